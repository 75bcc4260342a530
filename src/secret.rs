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

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// Masks the password should a server have echoed it into text we show or log. Very short
/// passwords are left alone: masking every "a" would garble the text and hint at the password.
pub(crate) fn scrub(text: &str, password: &str) -> String {
    if password.chars().count() >= 4 && text.contains(password) {
        text.replace(password, "***")
    } else {
        text.to_owned()
    }
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
    fn expose_is_the_only_way_in() {
        assert_eq!(Secret::new("pw").expose(), "pw");
    }
}
