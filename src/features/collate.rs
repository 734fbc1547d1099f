//! Two strings / two option values → their order as the reference CLI's tie-break sees it (JavaScript's
//! `localeCompare` under the default ICU collation, approximated for ASCII; its `optionsCompareTo`).

use serde_json::Value;
use std::cmp::Ordering;

/// Punctuation and symbols in the root collation's order; they sort before digits, digits before letters.
const SYMBOLS: &str = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";

fn primary(c: char) -> u32 {
    if c.is_whitespace() {
        return 0;
    }
    if let Some(i) = SYMBOLS.find(c) {
        return 10 + i as u32;
    }
    if let Some(d) = c.to_digit(10) {
        return 100 + d;
    }
    if c.is_ascii_alphabetic() {
        return 200 + (c.to_ascii_lowercase() as u32 - 'a' as u32);
    }
    1000 + c as u32
}

/// `a.localeCompare(b)`: letters case-insensitively first (`a` < `B` < `c`), then lower case before upper.
pub fn locale_compare(a: &str, b: &str) -> Ordering {
    let primary_order = a.chars().map(primary).cmp(b.chars().map(primary));
    primary_order
        .then_with(|| a.chars().map(|c| c.is_uppercase()).cmp(b.chars().map(|c| c.is_uppercase())))
        .then_with(|| a.cmp(b))
}

/// JavaScript's `typeof` of a JSON value.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null | Value::Array(_) | Value::Object(_) => "object",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
    }
}

/// The reference CLI's `optionsCompareTo` over the user's option values: strings by locale, `false` before
/// `true`, objects by key count, then by sorted keys and their values; different types by type name.
pub fn options_compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(a), Value::String(b)) => locale_compare(a, b),
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (Value::Object(a), Value::Object(b)) => {
            if a.len() != b.len() {
                return a.len().cmp(&b.len());
            }
            let mut a_keys: Vec<&String> = a.keys().collect();
            let mut b_keys: Vec<&String> = b.keys().collect();
            a_keys.sort();
            b_keys.sort();
            for (ka, kb) in a_keys.into_iter().zip(b_keys) {
                if ka != kb {
                    return locale_compare(ka, kb);
                }
                let order = match (&a[ka], &b[kb]) {
                    (Value::String(x), Value::String(y)) => locale_compare(x, y),
                    (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
                    _ => Ordering::Equal,
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
            Ordering::Equal
        }
        _ if type_name(a) == type_name(b) => Ordering::Equal,
        _ => locale_compare(type_name(a), type_name(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn locale_order_is_case_insensitive_first() {
        let mut words = vec!["b", "B", "a", "A", "_x", "1", "c-d", "cd", "./z", "containai/x"];
        words.sort_by(|a, b| locale_compare(a, b));
        assert_eq!(words, ["_x", "./z", "1", "a", "A", "b", "B", "c-d", "cd", "containai/x"]);
    }

    #[test]
    fn options_order() {
        assert_eq!(options_compare(&json!({}), &json!({"a": true})), Ordering::Less);
        assert_eq!(options_compare(&json!({"a": "x"}), &json!({"b": "a"})), Ordering::Less);
        assert_eq!(options_compare(&json!({"a": "y"}), &json!({"a": "x"})), Ordering::Greater);
        assert_eq!(options_compare(&json!({"a": false}), &json!({"a": true})), Ordering::Less);
        assert_eq!(options_compare(&json!(true), &json!("1")), Ordering::Less);
        assert_eq!(options_compare(&json!("2"), &json!({})), Ordering::Greater);
        assert_eq!(options_compare(&json!({"a": 1}), &json!({"a": 2})), Ordering::Equal);
    }
}
