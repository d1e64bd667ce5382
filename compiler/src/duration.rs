//! Durations in plans: `90s`, `30m`, `2h`, `1h30m`, `1d`.

/// Parses a duration into seconds; `None` when it is not one.
pub fn parse_duration(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut pos = 0;
    while pos < bytes.len() {
        let start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        if start == pos || pos == bytes.len() {
            return None;
        }
        let n: u64 = text[start..pos].parse().ok()?;
        let unit = match bytes[pos] {
            b's' => 1,
            b'm' => 60,
            b'h' => 3600,
            b'd' => 86400,
            _ => return None,
        };
        pos += 1;
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    Some(total)
}
