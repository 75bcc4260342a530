//! Exact JSON. Numbers are kept as written (serde_json's `arbitrary_precision`), so a field this
//! version does not know — a 30-digit id, `1.000000000000000000001` — is written back byte for
//! byte, in the local store and in every request to Supabase (issue 15).
//!
//! "The other keys" of a typed object cannot be a `#[serde(flatten)]` map then: serde buffers a
//! flattened struct, and a buffered exact number no longer reads as a `u16` or an `i64`. So
//! [`split_known`] reads the object once as a map, hands its known keys to a plain derived
//! struct, and keeps the rest as they are.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// `map`'s `known` keys read as `T`, and every other key, untouched.
pub fn split_known<T: DeserializeOwned>(
    map: Map<String, Value>,
    known: &[&str],
) -> Result<(T, Map<String, Value>), serde_json::Error> {
    let (fields, extra): (Map<String, Value>, Map<String, Value>) = map
        .into_iter()
        .partition(|(key, _)| known.contains(&key.as_str()));
    Ok((serde_json::from_value(Value::Object(fields))?, extra))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_kept_as_written() {
        let text = r#"{"port":993,"extId":123456789012345678901234567890,"ratio":1.000000000000000000001,"small":1e400}"#;
        let map: Map<String, Value> = serde_json::from_str(text).unwrap();
        #[derive(serde::Deserialize)]
        struct Known {
            port: u16,
        }
        let (known, extra): (Known, _) = split_known(map, &["port"]).unwrap();
        assert_eq!(known.port, 993);
        assert_eq!(
            serde_json::to_string(&extra).unwrap(),
            r#"{"extId":123456789012345678901234567890,"ratio":1.000000000000000000001,"small":1e+400}"#
        );
    }
}
