//! Time values given on the command line: `HH:MM:SS[.mmm]`, `MM:SS[.mmm]` or plain seconds.

use std::fmt;

/// A point on the media timeline, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub u64);

/// Why a time value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{text}` is not a time: use HH:MM:SS[.mmm] or seconds (for example 01:02:03.5 or 3723.5)")]
pub struct TimeParseError {
    pub text: String,
}

impl Millis {
    pub fn parse(text: &str) -> Result<Self, TimeParseError> {
        let err = || TimeParseError {
            text: text.to_owned(),
        };
        let t = text.trim();
        if t.is_empty() {
            return Err(err());
        }
        let parts: Vec<&str> = t.split(':').collect();
        if parts.len() > 3 {
            return Err(err());
        }
        let (whole, last) = parts.split_at(parts.len() - 1);
        let secs = parse_seconds(last[0]).ok_or_else(err)?;
        let mut total_ms = secs;
        for (i, p) in whole.iter().rev().enumerate() {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 6 {
                return Err(err());
            }
            let v: u64 = p.parse().map_err(|_| err())?;
            if !whole.is_empty() && secs >= 60_000 {
                return Err(err());
            }
            let unit = if i == 0 { 60_000 } else { 3_600_000 };
            if i == 0 && whole.len() == 2 && v >= 60 {
                return Err(err());
            }
            total_ms = total_ms
                .checked_add(v.checked_mul(unit).ok_or_else(err)?)
                .ok_or_else(err)?;
        }
        Ok(Millis(total_ms))
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    pub fn from_secs_f64(s: f64) -> Self {
        Millis((s.max(0.0) * 1000.0).round() as u64)
    }
}

/// Seconds with up to three decimals, e.g. `12`, `12.5`, `0.125`.
fn parse_seconds(s: &str) -> Option<u64> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 3 || int.len() > 9 {
        return None;
    }
    let i: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..3 {
        f *= 10;
    }
    Some(i * 1000 + f)
}

impl fmt::Display for Millis {
    /// `HH:MM:SS.mmm`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        write!(
            f,
            "{:02}:{:02}:{:02}.{:03}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    }
}

impl serde::Serialize for Millis {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Millis {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Millis::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Millis;

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(Millis::parse("90").unwrap(), Millis(90_000));
        assert_eq!(Millis::parse("1.5").unwrap(), Millis(1_500));
        assert_eq!(Millis::parse(".25").unwrap(), Millis(250));
        assert_eq!(Millis::parse("01:30").unwrap(), Millis(90_000));
        assert_eq!(Millis::parse("01:02:03.004").unwrap(), Millis(3_723_004));
        assert_eq!(Millis::parse("00:00:05.5").unwrap(), Millis(5_500));
    }

    #[test]
    fn refuses_nonsense() {
        for bad in [
            "", "abc", "-5", "1:2:3:4", "00:61:00", "1.2345", "00:00:75", "1e3", "1:",
        ] {
            assert!(Millis::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn display_round_trips() {
        for ms in [0, 1, 999, 61_001, 3_723_004] {
            let m = Millis(ms);
            assert_eq!(Millis::parse(&m.to_string()).unwrap(), m);
        }
    }
}
