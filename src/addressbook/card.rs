//! One vCard (RFC 6350) as a list of content lines, read and written without losing anything:
//! lines are unfolded on read (§3.2) and kept as they were, so properties the user added in
//! khard (or a CardDAV server did) survive; `mailboxes` changes only the properties it owns and
//! writes the card back folded at 75 octets with CRLF line ends.

/// A content line, unfolded: `NAME;PARAMS:VALUE` split at the first `:` outside quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Upper-cased name without group or parameters (`EMAIL` of `item1.EMAIL;TYPE=home`).
    pub name: String,
    /// Everything before the value's `:`, as written (group, name and parameters).
    pub head: String,
    /// The value, still escaped as written.
    pub value: String,
}

impl Property {
    pub fn new(head: &str, value: &str) -> Property {
        Property {
            name: name_of(head),
            head: head.to_owned(),
            value: value.to_owned(),
        }
    }
}

fn name_of(head: &str) -> String {
    let name = head.split(';').next().unwrap_or(head);
    let name = name.rsplit_once('.').map_or(name, |(_, name)| name);
    name.to_ascii_uppercase()
}

/// A card: the properties between BEGIN:VCARD and END:VCARD, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Card {
    pub properties: Vec<Property>,
}

/// Why a file is not a card this tool can safely rewrite.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CardError {
    #[error("not a vCard (no BEGIN:VCARD … END:VCARD)")]
    NotACard,
    #[error("holds more than one vCard")]
    Several,
    #[error("line {0} has no ':'")]
    NoColon(usize),
    #[error("is not UTF-8")]
    NotUtf8,
}

impl Card {
    /// Reads one card from a `.vcf` file's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Card, CardError> {
        let text = std::str::from_utf8(bytes).map_err(|_| CardError::NotUtf8)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines: Vec<String> = Vec::new();
        for raw in text.split('\n') {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            match raw.as_bytes().first() {
                // A folded continuation: one space or tab dropped.
                Some(b' ' | b'\t') if !lines.is_empty() => {
                    lines.last_mut().expect("checked").push_str(&raw[1..]);
                }
                _ if raw.is_empty() => {}
                _ => lines.push(raw.to_owned()),
            }
        }
        let mut properties = Vec::new();
        let (mut begun, mut ended) = (false, false);
        for (number, line) in lines.iter().enumerate() {
            let (head, value) = split_line(line).ok_or(CardError::NoColon(number + 1))?;
            let property = Property::new(head, value);
            match (property.name.as_str(), value.to_ascii_uppercase().as_str()) {
                ("BEGIN", "VCARD") if begun => return Err(CardError::Several),
                ("BEGIN", "VCARD") => begun = true,
                ("END", "VCARD") if begun && !ended => ended = true,
                _ if !begun || ended => {
                    return Err(if ended {
                        CardError::Several
                    } else {
                        CardError::NotACard
                    })
                }
                _ => properties.push(property),
            }
        }
        if !(begun && ended) {
            return Err(CardError::NotACard);
        }
        Ok(Card { properties })
    }

    /// The card as a file: CRLF, folded at 75 octets (never inside a UTF-8 character).
    pub fn render(&self) -> String {
        let mut out = String::new();
        fold_into(&mut out, "BEGIN:VCARD");
        for property in &self.properties {
            fold_into(&mut out, &format!("{}:{}", property.head, property.value));
        }
        fold_into(&mut out, "END:VCARD");
        out
    }

    /// The first property called `name`.
    pub fn get(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Every property called `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> + 'a {
        self.properties.iter().filter(move |p| p.name == name)
    }

    /// The first `name`'s value, unescaped.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|p| unescape(&p.value))
    }

    /// Sets `name` to `value` (escaped here): the first such property is replaced in place
    /// (its parameters kept), later ones removed; appended when there is none.
    pub fn set(&mut self, name: &str, value: &str) {
        let escaped = escape(value);
        match self.properties.iter().position(|p| p.name == name) {
            Some(at) => {
                self.properties[at].value = escaped;
                let mut index = 0;
                self.properties.retain(|p| {
                    index += 1;
                    index - 1 <= at || p.name != name
                });
            }
            None => self.properties.push(Property::new(name, &escaped)),
        }
    }

    /// Removes every property called `name`.
    pub fn remove(&mut self, name: &str) {
        self.properties.retain(|p| p.name != name);
    }

    /// The addresses in EMAIL properties, in order.
    pub fn emails(&self) -> Vec<String> {
        self.all("EMAIL")
            .map(|p| unescape(&p.value).trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect()
    }

    /// The CATEGORIES values (a comma-separated list, §6.7.1), in order.
    pub fn categories(&self) -> Vec<String> {
        self.all("CATEGORIES")
            .flat_map(|p| split_list(&p.value))
            .filter(|c| !c.is_empty())
            .collect()
    }
}

/// `head` and `value` of a content line: the first `:` that is not inside a quoted parameter.
fn split_line(line: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    for (at, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some((&line[..at], &line[at + 1..])),
            _ => {}
        }
    }
    None
}

/// One content line as written: folded at 75 octets (never inside a UTF-8 character), CRLF.
pub fn folded(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 4);
    fold_into(&mut out, line);
    out
}

fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    let mut limit = 75;
    for c in line.chars() {
        if width + c.len_utf8() > limit {
            out.push_str("\r\n ");
            width = 0;
            limit = 74; // the leading space counts
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// A text value escaped (§3.4).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            _ => out.push(c),
        }
    }
    out
}

/// A text value unescaped.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A comma-separated list value, each item unescaped.
fn split_list(value: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    items
                        .last_mut()
                        .expect("one")
                        .push(if next == 'n' { '\n' } else { next });
                }
            }
            ',' => items.push(String::new()),
            c => items.last_mut().expect("one").push(c),
        }
    }
    items.into_iter().map(|i| i.trim().to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KHARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:abc\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\n\
        EMAIL;TYPE=\"work:x\":ann@example.com\r\nTEL;TYPE=cell:+1 555\r\nNOTE:a long note that\r\n  \
        goes on\r\nCATEGORIES:Friends,Work\\, old\r\nEND:VCARD\r\n";

    #[test]
    fn a_card_reads_and_writes_back_what_it_does_not_own() {
        let card = Card::parse(KHARD.as_bytes()).unwrap();
        assert_eq!(card.text("FN").as_deref(), Some("Ann Lee"));
        assert_eq!(card.emails(), ["ann@example.com"]);
        assert_eq!(card.categories(), ["Friends", "Work, old"]);
        assert_eq!(
            card.text("NOTE").as_deref(),
            Some("a long note that goes on")
        );
        let again = Card::parse(card.render().as_bytes()).unwrap();
        assert_eq!(again, card);
        assert!(card.render().contains("TEL;TYPE=cell:+1 555\r\n"));
    }

    #[test]
    fn set_replaces_in_place_and_long_lines_fold_within_75_octets() {
        let mut card = Card::parse(KHARD.as_bytes()).unwrap();
        card.set("FN", &"Ünïcödé ".repeat(20));
        card.set("X-MAILBOXES-FROM-COUNT", "3");
        let text = card.render();
        assert!(text.split("\r\n").all(|line| line.len() <= 75), "{text}");
        let again = Card::parse(text.as_bytes()).unwrap();
        assert_eq!(again.text("FN").unwrap(), "Ünïcödé ".repeat(20));
        assert_eq!(again.properties[2].name, "FN", "replaced in place");
        assert_eq!(again.text("X-MAILBOXES-FROM-COUNT").as_deref(), Some("3"));
    }

    #[test]
    fn what_is_not_one_card_is_refused() {
        assert_eq!(Card::parse(b"hello"), Err(CardError::NoColon(1)));
        assert_eq!(Card::parse(b"FN:x\r\n"), Err(CardError::NotACard));
        assert_eq!(
            Card::parse(b"BEGIN:VCARD\r\nFN:x\r\n"),
            Err(CardError::NotACard)
        );
        let two = format!("{KHARD}{KHARD}");
        assert_eq!(Card::parse(two.as_bytes()), Err(CardError::Several));
        assert_eq!(Card::parse(&[0xff, 0xfe]), Err(CardError::NotUtf8));
    }
}
