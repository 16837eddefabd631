//! Timed words → cues under the rules: grouping, line breaking and timing.
//!
//! Grouping closes a cue when the next word would not fit the lines, the cue would stay on
//! screen too long, the speaker or lyric state changes, a long pause comes, or a sentence (or an
//! ASR segment) ends on a cue that already holds some text. Line breaking picks the break that
//! balances the lines best, preferring punctuation and the place before a conjunction or
//! preposition, and avoiding breaks after an article, inside a name, after a pronoun, or before a
//! Hindi postposition. Timing then applies minimum duration and reading speed (extending into
//! free time), the minimum gap, and closes short gaps.

use crate::cue::Cue;
use crate::rules::{Rules, is_cjk};
use crate::width;

#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub start: u64,
    pub end: u64,
    /// ASR segment (or sentence) the word belongs to.
    pub segment: usize,
    pub speaker: Option<String>,
    pub lyric: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Built {
    pub cues: Vec<Cue>,
    /// Cues (0-based) that stay over the reading speed (the speech is faster than the limit and
    /// no free time is left to extend into) or before a gap that cannot be closed.
    pub unavoidable_cps: Vec<usize>,
}

const EN_BREAK_BEFORE: &[&str] = &[
    "and", "but", "or", "nor", "so", "yet", "because", "although", "though", "while", "when",
    "where", "if", "unless", "that", "which", "who", "whom", "whose", "to", "of", "in", "on", "at",
    "for", "with", "from", "by", "about", "into", "over", "after", "before", "until", "than",
];
const HI_BREAK_BEFORE: &[&str] = &[
    "और",
    "लेकिन",
    "पर",
    "कि",
    "क्योंकि",
    "जब",
    "अगर",
    "तो",
    "या",
    "मगर",
    "बल्कि",
    "ताकि",
];
const HI_POSTPOSITIONS: &[&str] = &[
    "में",
    "से",
    "को",
    "का",
    "की",
    "के",
    "ने",
    "पे",
    "तक",
    "वाला",
    "वाली",
    "वाले",
    "ही",
    "भी",
];
const EN_NO_BREAK_AFTER: &[&str] = &[
    "a", "an", "the", "this", "these", "those", "my", "your", "his", "her", "its", "our", "their",
    "some", "every", "each", "no", "mr", "mrs", "ms", "dr", "mr.", "mrs.", "ms.", "dr.",
];
const PRONOUNS: &[&str] = &["i", "you", "he", "she", "we", "they", "it"];

fn bare(w: &str) -> String {
    w.trim_matches(|c: char| !c.is_alphanumeric() && c != '.')
        .to_lowercase()
}

fn ends_clause(w: &str) -> bool {
    w.ends_with([',', ';', ':', '.', '!', '?', '।', '—', '…'])
}

fn ends_sentence(w: &str) -> bool {
    w.trim_end_matches(['"', '\'', ')', '»'])
        .ends_with(['.', '!', '?', '।', '…'])
}

fn capitalised(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

/// The cost of breaking a line between `prev` and `next` (lower is better).
fn break_cost(prev: &str, next: &str) -> i64 {
    let (p, n) = (bare(prev), bare(next));
    let mut cost = 0;
    if ends_clause(prev) {
        cost -= 12;
    }
    if EN_BREAK_BEFORE.contains(&n.as_str()) || HI_BREAK_BEFORE.contains(&next) {
        cost -= 6;
    }
    if EN_NO_BREAK_AFTER.contains(&p.as_str()) {
        cost += 40;
    }
    if HI_POSTPOSITIONS.contains(&next.trim_matches(|c: char| c.is_ascii_punctuation() || c == '।'))
    {
        cost += 30;
    }
    if PRONOUNS.contains(&p.as_str()) && !ends_clause(prev) {
        cost += 12;
    }
    if capitalised(prev) && capitalised(next) && !ends_clause(prev) {
        cost += 25;
    }
    cost
}

fn join(words: &[&str], cjk: bool) -> String {
    if cjk { words.concat() } else { words.join(" ") }
}

/// Breaks words into at most `rules.max_lines` lines of at most `max_chars_per_line`, one line
/// when it fits; `None` when they cannot fit.
pub fn break_lines(words: &[&str], rules: &Rules, lang: &str) -> Option<Vec<String>> {
    let cjk = is_cjk(lang);
    let max = rules.max_chars_per_line;
    let all = join(words, cjk);
    if width(&all) <= max {
        return Some(vec![all]);
    }
    if rules.max_lines < 2 || words.len() < 2 {
        return None;
    }
    if rules.max_lines == 2 {
        let mut best: Option<(i64, usize)> = None;
        for k in 1..words.len() {
            let (a, b) = (
                width(&join(&words[..k], cjk)),
                width(&join(&words[k..], cjk)),
            );
            if a > max || b > max {
                continue;
            }
            let cost = (a as i64 - b as i64).abs() + break_cost(words[k - 1], words[k]);
            if best.is_none_or(|(c, _)| cost < c) {
                best = Some((cost, k));
            }
        }
        let (_, k) = best?;
        return Some(vec![join(&words[..k], cjk), join(&words[k..], cjk)]);
    }
    // More than two lines: fill greedily.
    let mut lines: Vec<Vec<&str>> = vec![Vec::new()];
    for w in words {
        let cur = lines.last_mut().expect("never empty");
        let mut trial = cur.clone();
        trial.push(w);
        if width(&join(&trial, cjk)) <= max || cur.is_empty() {
            cur.push(w);
        } else {
            lines.push(vec![w]);
        }
    }
    (lines.len() <= rules.max_lines && lines.iter().all(|l| width(&join(l, cjk)) <= max))
        .then(|| lines.iter().map(|l| join(l, cjk)).collect())
}

/// Builds cues from timed words.
pub fn build(words: &[Word], rules: &Rules, lang: &str) -> Built {
    // Word times must not step back.
    let mut ws: Vec<Word> = words
        .iter()
        .filter(|w| !w.text.trim().is_empty())
        .cloned()
        .collect();
    let mut last = 0;
    for w in &mut ws {
        w.text = w.text.trim().to_owned();
        w.start = w.start.max(last);
        w.end = w.end.max(w.start);
        last = w.start;
    }
    let long_pause = 1500;
    let mut groups: Vec<Vec<Word>> = Vec::new();
    let mut cur: Vec<Word> = Vec::new();
    for w in ws {
        if let Some(prev) = cur.last() {
            let texts: Vec<&str> = cur
                .iter()
                .map(|x| x.text.as_str())
                .chain([w.text.as_str()])
                .collect();
            let chars = width(&join(&texts[..texts.len() - 1], is_cjk(lang)));
            let hard = prev.speaker != w.speaker
                || prev.lyric != w.lyric
                || w.start.saturating_sub(prev.end) >= long_pause;
            let too_big = break_lines(&texts, rules, lang).is_none()
                || w.end.saturating_sub(cur[0].start) > rules.max_duration_ms;
            // Whisper's segments can end mid-sentence: a segment boundary counts only where the
            // text ends a clause.
            let soft = chars >= 15
                && (ends_sentence(&prev.text)
                    || (prev.segment != w.segment && ends_clause(&prev.text)));
            if hard || too_big || soft {
                groups.push(std::mem::take(&mut cur));
            }
        }
        cur.push(w);
    }
    if !cur.is_empty() {
        groups.push(cur);
    }

    let mut cues: Vec<Cue> = groups
        .iter()
        .map(|g| {
            let texts: Vec<&str> = g.iter().map(|w| w.text.as_str()).collect();
            // A single word wider than a line still gets a cue (the checker reports it).
            let lines = break_lines(&texts, rules, lang)
                .unwrap_or_else(|| vec![join(&texts, is_cjk(lang))]);
            Cue {
                start: g[0].start,
                end: g[g.len() - 1].end.max(g[0].start + 1),
                lines,
                lyric: g[0].lyric,
                speaker: g[0].speaker.clone(),
            }
        })
        .collect();
    let unavoidable_cps = retime(&mut cues, rules);
    Built {
        cues,
        unavoidable_cps,
    }
}

/// Applies the timing rules in place; returns cues that stay over the reading speed.
fn retime(cues: &mut [Cue], rules: &Rules) -> Vec<usize> {
    let gap = rules.min_gap_ms();
    // Starts must leave room for the previous cue's minimum gap.
    for i in 1..cues.len() {
        let min_start = cues[i - 1].start + 1 + gap;
        if cues[i].start < min_start {
            cues[i].start = min_start;
            cues[i].end = cues[i].end.max(cues[i].start + 1);
        }
    }
    let mut unavoidable = Vec::new();
    for i in 0..cues.len() {
        let limit = cues
            .get(i + 1)
            .map_or(u64::MAX, |n| n.start.saturating_sub(gap));
        let c = &mut cues[i];
        let chars = (c.cps() * c.duration_ms() as f64 / 1000.0).round();
        let reading_ms = (chars / rules.max_cps * 1000.0).ceil() as u64;
        let wanted = c
            .end
            .max(c.start + rules.min_duration_ms)
            .max(c.start + reading_ms);
        let cap = (c.start + rules.max_duration_ms).min(limit);
        c.end = wanted.min(cap).max(c.start + 1).min(limit.max(c.start + 1));
        // Short gaps are closed to the minimum gap; when that would keep the cue on screen too
        // long, the cue ends early enough to leave a full chaining gap instead.
        if limit != u64::MAX && limit > c.end && limit + gap - c.end < rules.chain_gap_ms {
            if limit - c.start <= rules.max_duration_ms {
                c.end = limit;
            } else {
                let open = (limit + gap).saturating_sub(rules.chain_gap_ms);
                if open > c.start + rules.min_duration_ms {
                    c.end = open;
                }
            }
        }
        let gap_left = (limit != u64::MAX).then(|| limit + gap - c.end);
        let unclosed = gap_left.is_some_and(|g| {
            g > gap + (1000.0 / rules.fps).ceil() as u64 && g < rules.chain_gap_ms
        });
        if c.cps() > rules.max_cps + 0.05 || unclosed {
            unavoidable.push(i);
        }
    }
    unavoidable
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Kind, check};
    use proptest::prelude::*;

    fn words(spec: &[(&str, u64, u64)]) -> Vec<Word> {
        spec.iter()
            .map(|(t, s, e)| Word {
                text: (*t).into(),
                start: *s,
                end: *e,
                segment: 0,
                speaker: None,
                lyric: false,
            })
            .collect()
    }

    #[test]
    fn breaks_at_punctuation_and_never_after_an_article() {
        let r = Rules::for_language("en", 25.0);
        let ws: Vec<&str> = "I told you, the old house on the hill was sold to a stranger"
            .split(' ')
            .collect();
        let lines = break_lines(&ws, &r, "en").unwrap();
        assert_eq!(lines.len(), 2);
        let first_last = lines[0].split(' ').next_back().unwrap();
        let second_first = lines[1].split(' ').next().unwrap();
        assert!(
            first_last.ends_with(',') || EN_BREAK_BEFORE.contains(&second_first),
            "breaks at punctuation or before a conjunction/preposition: {lines:?}"
        );
        let ws: Vec<&str> = "We met John Dashwood and his wife at the station yesterday"
            .split(' ')
            .collect();
        let lines = break_lines(&ws, &r, "en").unwrap();
        assert!(
            !lines[0].ends_with("John") && !lines[0].ends_with("the") && !lines[0].ends_with("his"),
            "{lines:?}"
        );
    }

    #[test]
    fn hindi_counts_graphemes_and_keeps_postpositions() {
        let r = Rules::for_language("hi", 25.0);
        assert_eq!(width("नमस्ते"), 3);
        let ws: Vec<&str> = "मैं कल शाम को अपने दोस्त के घर में खाना खाने गया था और बहुत मज़ा आया"
            .split(' ')
            .collect();
        let lines = break_lines(&ws, &r, "hi").unwrap();
        assert_eq!(lines.len(), 2);
        for l in &lines {
            assert!(width(l) <= 42);
            let first = l.split(' ').next().unwrap();
            assert!(
                !HI_POSTPOSITIONS.contains(&first),
                "a line starts with a postposition: {lines:?}"
            );
        }
    }

    #[test]
    fn built_cues_pass_the_checker() {
        let r = Rules::for_language("en", 25.0);
        let mut spec = Vec::new();
        let text = "Good evening. The train to Mumbai leaves at nine tonight, so please be on time. We will meet at the old station near the market, and then we will walk together to the hotel.";
        let mut t = 500;
        for w in text.split(' ') {
            spec.push((w, t, t + 250));
            t += 320;
        }
        let built = build(&words(&spec), &r, "en");
        assert!(built.cues.len() >= 3);
        let v = check(&built.cues, &r);
        assert!(v.is_empty(), "{v:?}");
    }

    proptest! {
        #[test]
        fn cues_are_ordered_gapped_and_fit(spec in proptest::collection::vec(("[a-z]{1,12}", 10u64..900, 50u64..800), 1..80)) {
            let r = Rules::for_language("en", 25.0);
            let mut t = 0;
            let ws: Vec<Word> = spec.iter().map(|(w, gap, len)| {
                t += gap;
                let word = Word { text: w.clone(), start: t, end: t + len, segment: 0, speaker: None, lyric: false };
                t += len;
                word
            }).collect();
            let built = build(&ws, &r, "en");
            let v = check(&built.cues, &r);
            for x in &v {
                prop_assert!(
                    matches!(x.kind, Kind::ReadingSpeed | Kind::UnclosedGap) && built.unavoidable_cps.contains(&(x.cue - 1)),
                    "{x:?}"
                );
            }
            for w in built.cues.windows(2) {
                prop_assert!(w[0].start < w[1].start && w[0].end + r.min_gap_ms() <= w[1].start);
            }
        }
    }
}
