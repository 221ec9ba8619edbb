//! What the lint's severity overrides (`chekt-lint.conf`, `--rule`) and the
//! diff's reclassifications (`--rules-file`, `--rule`) share: `rule = value`
//! lines with `#` comments, and a hint naming the closest known rule id.

/// The setting lines of `text` with their 1-based line numbers: `#`
/// comments cut, surrounding blanks trimmed, empty lines skipped.
pub(crate) fn setting_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.split('#').next().unwrap_or("").trim()))
        .filter(|(_, line)| !line.is_empty())
}

/// `"; did you mean `near`?"` for the known id nearest `id` (Levenshtein),
/// when it is within a third of its length; else empty.
pub(crate) fn closest_hint<'a>(id: &str, known: impl Iterator<Item = &'a str>) -> String {
    match known.map(|k| (strsim::levenshtein(id, k), k)).min() {
        Some((distance, near)) if distance <= near.len() / 3 => format!("; did you mean `{near}`?"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{closest_hint, setting_lines};

    #[test]
    fn lines_and_hints() {
        let lines: Vec<_> = setting_lines("# c\n\n a = b # why\nc=d\n").collect();
        assert_eq!(lines, [(3, "a = b"), (4, "c=d")]);
        let known = ["response-property-removed", "server-added"];
        assert_eq!(
            closest_hint("response-propery-removed", known.into_iter()),
            "; did you mean `response-property-removed`?"
        );
        assert_eq!(closest_hint("nothing-like-it", known.into_iter()), "");
    }
}
