//! Subtitle files: SRT and WebVTT (read and write), ASS and TTML (write).

use crate::cue::{Cue, parse_timestamp, timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Srt,
    Vtt,
    Ass,
    Ttml,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "srt" => Some(Format::Srt),
            "vtt" | "webvtt" => Some(Format::Vtt),
            "ass" | "ssa" => Some(Format::Ass),
            "ttml" | "xml" | "dfxp" => Some(Format::Ttml),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Srt => "srt",
            Format::Vtt => "vtt",
            Format::Ass => "ass",
            Format::Ttml => "ttml",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("line {line}: {message}")]
    Bad { line: usize, message: String },
    #[error("not a WebVTT file: it must start with `WEBVTT`")]
    NoVttHeader,
}

/// The text with its lyric marks and speaker label, as each format shows it.
fn display_lines(c: &Cue) -> Vec<String> {
    let mut lines = c.lines.clone();
    if c.lyric {
        if let Some(first) = lines.first_mut() {
            *first = format!("♪ {first}");
        }
        if let Some(last) = lines.last_mut() {
            *last = format!("{last} ♪");
        }
    }
    if let (Some(s), Some(first)) = (&c.speaker, lines.first_mut()) {
        *first = format!("[{s}] {first}");
    }
    lines
}

pub fn write(format: Format, cues: &[Cue], lang: &str, title: &str) -> String {
    match format {
        Format::Srt => write_srt(cues),
        Format::Vtt => write_vtt(cues, lang),
        Format::Ass => write_ass(cues, title),
        Format::Ttml => write_ttml(cues, lang),
    }
}

pub fn write_srt(cues: &[Cue]) -> String {
    write_numbered(String::new(), cues, ',', |l| l.to_owned())
}

fn escape_vtt(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn write_vtt(cues: &[Cue], lang: &str) -> String {
    write_numbered(
        format!("WEBVTT\nLanguage: {lang}\n\n"),
        cues,
        '.',
        escape_vtt,
    )
}

/// SRT and WebVTT share their cue blocks: number, timing line, text, blank line. They differ
/// in the millisecond separator and in escaping.
fn write_numbered(
    mut out: String,
    cues: &[Cue],
    sep: char,
    escape: impl Fn(&str) -> String,
) -> String {
    for (i, c) in cues.iter().enumerate() {
        out.push_str(&format!(
            "{}\n{} --> {}\n",
            i + 1,
            timestamp(c.start, sep),
            timestamp(c.end, sep)
        ));
        for l in display_lines(c) {
            let l = escape(&l);
            if c.lyric {
                out.push_str(&format!("<i>{l}</i>\n"));
            } else {
                out.push_str(&l);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    out
}

fn ass_time(ms: u64) -> String {
    let cs = ms / 10;
    format!(
        "{}:{:02}:{:02}.{:02}",
        cs / 360_000,
        cs / 6000 % 60,
        cs / 100 % 60,
        cs % 100
    )
}

pub fn write_ass(cues: &[Cue], title: &str) -> String {
    let mut out = format!(
        "[Script Info]\nTitle: {title}\nScriptType: v4.00+\nWrapStyle: 0\nScaledBorderAndShadow: yes\nPlayResX: 1920\nPlayResY: 1080\n\n\
[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n\
Style: Default,Noto Sans,54,&H00FFFFFF,&H000000FF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,2.5,1,2,96,96,54,1\n\
Style: Lyrics,Noto Sans,54,&H00FFFFFF,&H000000FF,&H00000000,&H80000000,0,1,0,0,100,100,0,0,1,2.5,1,2,96,96,54,1\n\n\
[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    );
    for c in cues {
        let style = if c.lyric { "Lyrics" } else { "Default" };
        let text = display_lines(c)
            .iter()
            .map(|l| l.replace('{', "(").replace('}', ")"))
            .collect::<Vec<_>>()
            .join("\\N");
        out.push_str(&format!(
            "Dialogue: 0,{},{},{style},{},0,0,0,,{text}\n",
            ass_time(c.start),
            ass_time(c.end),
            c.speaker.clone().unwrap_or_default()
        ));
    }
    out
}

fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn write_ttml(cues: &[Cue], lang: &str) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tt xmlns=\"http://www.w3.org/ns/ttml\" xmlns:tts=\"http://www.w3.org/ns/ttml#styling\" xml:lang=\"{}\">\n  <head>\n    <styling>\n      <style xml:id=\"lyrics\" tts:fontStyle=\"italic\"/>\n    </styling>\n  </head>\n  <body>\n    <div>\n",
        escape_xml(lang)
    );
    for c in cues {
        let lines: Vec<String> = display_lines(c).iter().map(|l| escape_xml(l)).collect();
        let style = if c.lyric { " style=\"lyrics\"" } else { "" };
        out.push_str(&format!(
            "      <p begin=\"{}\" end=\"{}\"{style}>{}</p>\n",
            timestamp(c.start, '.'),
            timestamp(c.end, '.'),
            lines.join("<br/>")
        ));
    }
    out.push_str("    </div>\n  </body>\n</tt>\n");
    out
}

/// Strips formatting markup — `<i>`, `<b>`, `<u>`, `<font …>`, WebVTT's `<c.x>`, `<v Name>`,
/// `<lang>`, `<ruby>`, timestamps — and ASS overrides such as `{\an8}`; other text stays.
fn strip_tags(s: &str) -> String {
    const TAGS: &[&str] = &["i", "b", "u", "font", "c", "v", "lang", "ruby", "rt", "s"];
    let mut out = String::new();
    let mut rest = s;
    while let Some(ch) = rest.chars().next() {
        if ch == '<' {
            if let Some(close) = rest.find('>') {
                let inner = rest[1..close].trim_start_matches('/');
                let name: String = inner
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                let is_tag = TAGS.contains(&name.to_ascii_lowercase().as_str())
                    && inner[name.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| c == ' ' || c == '.');
                let is_time =
                    inner.chars().next().is_some_and(|c| c.is_ascii_digit()) && inner.contains(':');
                if is_tag || is_time {
                    rest = &rest[close + 1..];
                    continue;
                }
            }
        } else if ch == '{'
            && rest[1..].starts_with('\\')
            && let Some(close) = rest.find('}')
        {
            rest = &rest[close + 1..];
            continue;
        }
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn parse_timing(line: &str, n: usize) -> Result<(u64, u64), ParseError> {
    let bad = |m: &str| ParseError::Bad {
        line: n,
        message: m.to_owned(),
    };
    let (a, rest) = line
        .split_once("-->")
        .ok_or_else(|| bad("expected `start --> end`"))?;
    let b = rest
        .split_whitespace()
        .next()
        .ok_or_else(|| bad("missing end time"))?;
    let start = parse_timestamp(a).ok_or_else(|| bad(&format!("bad start time `{}`", a.trim())))?;
    let end = parse_timestamp(b).ok_or_else(|| bad(&format!("bad end time `{b}`")))?;
    Ok((start, end))
}

/// Reads SRT (numbered blocks; tolerant of missing numbers, CRLF and a BOM).
pub fn parse_srt(text: &str) -> Result<Vec<Cue>, ParseError> {
    parse_blocks(text.trim_start_matches('\u{feff}'), 0)
}

/// Reads WebVTT (header, optional cue ids, NOTE/STYLE/REGION blocks skipped).
pub fn parse_vtt(text: &str) -> Result<Vec<Cue>, ParseError> {
    let t = text.trim_start_matches('\u{feff}');
    if !t.starts_with("WEBVTT") {
        return Err(ParseError::NoVttHeader);
    }
    parse_blocks(t, 1)
}

fn parse_blocks(text: &str, skip_first_block: usize) -> Result<Vec<Cue>, ParseError> {
    let mut cues = Vec::new();
    let text = text.replace("\r\n", "\n");
    let mut line_no = 1;
    for (i, block) in text.split("\n\n").enumerate() {
        let first_line = line_no;
        line_no += block.lines().count() + 1;
        if i < skip_first_block {
            continue;
        }
        let lines: Vec<&str> = block.lines().collect();
        let Some(t) = lines.iter().position(|l| l.contains("-->")) else {
            if lines.iter().all(|l| l.trim().is_empty())
                || lines.first().is_some_and(|l| {
                    l.starts_with("NOTE") || l.starts_with("STYLE") || l.starts_with("REGION")
                })
            {
                continue;
            }
            return Err(ParseError::Bad {
                line: first_line,
                message: "a block without a timing line".into(),
            });
        };
        let (start, end) = parse_timing(lines[t], first_line + t)?;
        let mut text_lines: Vec<String> = lines[t + 1..]
            .iter()
            .map(|l| strip_tags(l).trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        let lyric = text_lines.first().is_some_and(|l| l.starts_with('♪'));
        if lyric {
            for l in &mut text_lines {
                *l = l.trim_matches('♪').trim().to_owned();
            }
        }
        cues.push(Cue {
            start,
            end,
            lines: text_lines,
            lyric,
            speaker: None,
        });
    }
    Ok(cues)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Vec<Cue> {
        let mut lyric = Cue::new(
            4000,
            6500,
            vec!["Tujhe dekha to".into(), "yeh jaana sanam".into()],
        );
        lyric.lyric = true;
        vec![
            Cue::new(1000, 2500, vec!["Hello, <world> & friends.".into()]),
            Cue::new(2600, 3900, vec!["नमस्ते, आप कैसे हैं?".into(), "मैं ठीक हूँ।".into()]),
            lyric,
        ]
    }

    #[test]
    fn srt_and_vtt_round_trip() {
        let cues = sample();
        assert_eq!(parse_srt(&write_srt(&cues)).unwrap(), cues);
        assert_eq!(parse_vtt(&write_vtt(&cues, "hi")).unwrap(), cues);
    }

    #[test]
    fn reads_crlf_bom_and_notes() {
        let srt = "\u{feff}1\r\n00:00:01,000 --> 00:00:02,000\r\n<i>Hi</i>\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nThere\r\n";
        let c = parse_srt(srt).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].lines, ["Hi"]);
        let vtt = "WEBVTT\n\nNOTE a comment\n\nid-1\n00:01.000 --> 00:02.500 align:start\nHi\n";
        let c = parse_vtt(vtt).unwrap();
        assert_eq!((c[0].start, c[0].end), (1000, 2500));
        assert!(parse_vtt("1\n00:00:01.000 --> 00:00:02.000\nx\n").is_err());
        assert!(parse_srt("1\n00:00:01,000 -> 00:00:02,000\nx\n").is_err());
    }

    #[test]
    fn the_four_formats() {
        let mut cues = sample();
        cues[0].speaker = Some("Speaker 1".into());
        insta::assert_snapshot!("srt", write(Format::Srt, &cues, "hi", "Film"));
        insta::assert_snapshot!("vtt", write(Format::Vtt, &cues, "hi", "Film"));
        insta::assert_snapshot!("ass", write(Format::Ass, &cues, "hi", "Film"));
        insta::assert_snapshot!("ttml", write(Format::Ttml, &cues, "hi", "Film"));
    }

    proptest! {
        #[test]
        fn round_trip_any_cues(items in proptest::collection::vec((0u64..10_000, 1u64..5_000, "[a-zA-Z0-9 ,.?!'अ-ह]{1,30}", proptest::bool::ANY), 1..20)) {
            let mut t = 0;
            let cues: Vec<Cue> = items.into_iter().map(|(gap, len, text, lyric)| {
                t += gap;
                let text = text.trim().to_owned();
                let text = if text.is_empty() { "x".to_owned() } else { text };
                let c = Cue { start: t, end: t + len, lines: vec![text], lyric, speaker: None };
                t += len;
                c
            }).collect();
            prop_assert_eq!(parse_srt(&write_srt(&cues)).unwrap(), cues.clone());
            prop_assert_eq!(parse_vtt(&write_vtt(&cues, "en")).unwrap(), cues);
        }
    }
}
