//! vCard 4.0 (RFC 6350): `FN` (the name, or the address when there is none), `N`, `EMAIL`,
//! and a `NOTE` with the counts. Text values are escaped (§3.4) and lines folded at 75 octets
//! (§3.2), CRLF line ends.

use std::io::{self, Write};

use super::{split_name, Exporter};
use crate::harvest::contacts::Contact;

pub struct VCard;

impl Exporter for VCard {
    fn write(&self, contacts: &[Contact], out: &mut dyn Write) -> io::Result<()> {
        for contact in contacts {
            let name = contact.name.as_deref().unwrap_or(&contact.email);
            let (given, family) = match &contact.name {
                Some(name) => split_name(name),
                None => (String::new(), String::new()),
            };
            line(out, "BEGIN:VCARD")?;
            line(out, "VERSION:4.0")?;
            line(out, &format!("FN:{}", escape(name)))?;
            line(out, &format!("N:{};{};;;", escape(&family), escape(&given)))?;
            line(
                out,
                &format!("EMAIL;TYPE=internet:{}", escape(&contact.email)),
            )?;
            line(
                out,
                &format!(
                    "NOTE:{}",
                    escape(&format!(
                        "mailboxes harvest: from {} to {} messages",
                        contact.from_count, contact.to_count
                    ))
                ),
            )?;
            line(out, "END:VCARD")?;
        }
        Ok(())
    }
}

/// The address book's escaping (§3.4): one implementation for cards written and exported.
fn escape(text: &str) -> String {
    crate::addressbook::card::escape(text)
}

/// Writes one content line, folded as the address book folds it.
fn line(out: &mut dyn Write, text: &str) -> io::Result<()> {
    out.write_all(crate::addressbook::card::folded(text).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_folds() {
        assert_eq!(escape("Doe, Jane; x\\y"), "Doe\\, Jane\\; x\\\\y");
        let mut out = Vec::new();
        line(&mut out, &format!("FN:{}", "é".repeat(60))).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.split("\r\n").all(|l| l.len() <= 75), "{text}");
        assert_eq!(
            text.replace("\r\n ", ""),
            format!("FN:{}\r\n", "é".repeat(60))
        );
    }
}
