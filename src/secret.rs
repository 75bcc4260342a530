//! `Secret`: the one type that holds a password or token in memory.
//!
//! It has no `Display`, its `Debug` prints `Secret(***)`, it is zeroed on drop, and reading it
//! takes an explicit `expose()` so every place a secret goes on the wire is visible in review.

use serde::{Deserialize, Deserializer, Serializer};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A password or token. No Display; Debug prints `Secret(***)`; zeroed on drop.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place it is sent to a server or a store.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Writes the secret itself, for the stores alone (the web app keeps the password in its
/// entry; the session file keeps the tokens). `Secret` has no `Serialize`: a field is written
/// only where it says `#[serde(serialize_with = "crate::secret::expose_to_store")]`, so no
/// derived output type can carry one out by accident.
pub fn expose_to_store<S: Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&secret.0)
}

/// [`expose_to_store`] for an optional secret (an OAuth2 entry's tokens); use with
/// `skip_serializing_if = "Option::is_none"`.
pub fn expose_option_to_store<S: Serializer>(
    secret: &Option<Secret>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => serializer.serialize_str(&secret.0),
        None => serializer.serialize_none(),
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// Hides secrets in text that came back from a server (an echoed password in a NO, an ALERT,
/// a BYE), in every form the secret went out in: as typed, as an IMAP quoted string (`\"` and
/// `\\` escaped), whitespace-collapsed (servers and our own cleaning fold runs of spaces), and
/// base64 (inside a SASL string: the secret at each of the three alignments). It is applied to the raw text, before any cleaning or cutting,
/// so no altered copy slips through. Very short secrets are left alone: masking every "a"
/// would garble the text and hint at the secret.
#[derive(Default, Clone)]
pub struct Masker {
    /// Longest first, so a form containing another is masked whole.
    forms: Vec<String>,
}

/// Shorter secrets (in characters) are not masked.
const MIN_MASKED: usize = 4;

impl Masker {
    pub fn new(secrets: &[&Secret]) -> Masker {
        let mut masker = Masker::default();
        for secret in secrets {
            masker.secret(secret.expose());
        }
        masker
    }

    /// Also masks `secret` from now on (one learnt after the connection was made).
    pub fn add(&mut self, secret: &Secret) {
        self.secret(secret.expose());
    }

    fn secret(&mut self, value: &str) {
        if value.chars().count() < MIN_MASKED {
            return;
        }
        let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
        let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
        let compact: String = value.split_whitespace().collect();
        for form in [value.to_owned(), quoted, collapsed, compact] {
            self.form(form);
        }
        // base64 of a string holding the secret: the secret's own characters encode the same
        // whatever precedes it, once aligned to 3 bytes; keep the part that does not depend
        // on its neighbours.
        use base64::Engine as _;
        for pad in 0..3 {
            let mut bytes = vec![0u8; pad];
            bytes.extend_from_slice(value.as_bytes());
            let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let skip = (pad * 4).div_ceil(3);
            let usable = (value.len() + pad) / 3 * 4;
            if usable > skip + MIN_MASKED {
                self.form(encoded[skip..usable].to_owned());
            }
        }
    }

    fn form(&mut self, form: String) {
        if !self.forms.contains(&form) {
            self.forms.push(form);
            self.forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        }
    }

    /// `text` with every form of every secret replaced by `***`.
    pub fn mask(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for form in &self.forms {
            if text.contains(form.as_str()) {
                text = text.replace(form.as_str(), "***");
            }
        }
        text
    }
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Masker({} forms)", self.forms.len())
    }
}

/// Masks `password` in `text` in every form it may come back in (see [`Masker`]).
pub(crate) fn scrub(text: &str, password: &str) -> String {
    Masker::new(&[&Secret::new(password)]).mask(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("abcd efgh ijkl mnop");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(Secret(***))");
    }

    /// `Secret` has no `Serialize`: a derived output type holding one would not compile, and
    /// the stores write it only through `expose_to_store`.
    #[test]
    fn secrets_serialize_only_where_a_field_says_so() {
        use std::marker::PhantomData;
        trait NotSerialize {
            fn serializes(&self) -> bool {
                false
            }
        }
        struct Check<T>(PhantomData<T>);
        impl<T> NotSerialize for Check<T> {}
        impl<T: serde::Serialize> Check<T> {
            fn serializes(&self) -> bool {
                true
            }
        }
        assert!(!Check::<Secret>(PhantomData).serializes());
        assert!(Check::<String>(PhantomData).serializes());

        #[derive(serde::Serialize)]
        struct Stored {
            #[serde(serialize_with = "expose_to_store")]
            password: Secret,
        }
        let stored = Stored {
            password: Secret::new("pw-1"),
        };
        assert_eq!(
            serde_json::to_string(&stored).unwrap(),
            r#"{"password":"pw-1"}"#
        );
    }

    #[test]
    fn every_form_of_a_secret_is_masked() {
        use base64::Engine as _;
        let secret = Secret::new("pa\"ss\\wo  rd\tx");
        let masker = Masker::new(&[&secret]);
        // As typed, IMAP-quoted, whitespace-collapsed, compacted.
        for echoed in [
            "pa\"ss\\wo  rd\tx",
            "pa\\\"ss\\\\wo  rd\tx",
            "pa\"ss\\wo rd x",
            "pa\"ss\\wordx",
        ] {
            let text = format!("NO [ALERT] you sent {echoed} (Failure)");
            let masked = masker.mask(&text);
            assert_eq!(masked, "NO [ALERT] you sent *** (Failure)", "{echoed:?}");
        }
        // In base64, whatever precedes it (a SASL string such as XOAUTH2's).
        for prefix in ["", "u", "us", "user=me\x01auth=Bearer "] {
            let sasl = format!("{prefix}{}\x01\x01", secret.expose());
            let encoded = base64::engine::general_purpose::STANDARD.encode(sasl.as_bytes());
            let masked = masker.mask(&format!("+ {encoded}"));
            assert!(masked.contains("***"), "{prefix:?}: {masked}");
        }
        // Short secrets are not masked (every "a" would go).
        assert_eq!(
            Masker::new(&[&Secret::new("abc")]).mask("abc abc"),
            "abc abc"
        );
    }

    #[test]
    fn expose_is_the_only_way_in() {
        assert_eq!(Secret::new("pw").expose(), "pw");
    }
}
