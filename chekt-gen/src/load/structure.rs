//! Structural checks the parsers skip or report without a place: YAML
//! nesting depth, duplicate or non-scalar mapping keys, several documents
//! and merges of non-mappings (on saphyr-parser's events, before libyaml
//! runs), and duplicate JSON object keys (serde_json keeps the last one
//! silently).

use std::collections::HashMap;
use std::fmt;

use saphyr_parser::{Event, Marker, Parser};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{Error, Result};

/// Most nodes all aliases of a YAML document may stand for together: each
/// is copied when the document is read (a 46 KB file of 2,000 aliases of a
/// 20,000-item list took 6 GB and 105 s before libyaml's own repetition
/// limit). Real specs alias a few small mappings.
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// saphyr-parser's message when its scanner's own nesting bound is hit.
const SAPHYR_RECURSION_LIMIT: &str = "recursion limit exceeded";

/// One open collection while walking YAML events.
enum Frame {
    Sequence,
    /// Keys seen so far (as JSON will hold them) with their 1-based line,
    /// and whether the next node is a key.
    Mapping {
        keys: HashMap<String, usize>,
        expect_key: bool,
    },
}

/// What an anchor names, for checking merges of aliases.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scalar,
    Sequence,
    Mapping,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Scalar => "a scalar",
            Kind::Sequence => "a sequence",
            Kind::Mapping => "a mapping",
        }
    }
}

/// Refuses, with its line and column, YAML that libyaml would be slow on or
/// would report without a place: nesting deeper than `limit` (libyaml's
/// scanner is quadratic in flow depth, and no text heuristic tells flow
/// brackets from brackets in scalars the way YAML does), a key twice in one
/// mapping, a key that is not a scalar, a second document, and a merge
/// (`<<`) of something that is not a mapping. This walks the events of
/// saphyr-parser (a YAML 1.2 parser that passes the yaml-test-suite) and
/// stops at the first node past `limit`, so it is linear in the input; its
/// syntax errors are reported as invalid YAML. Keys compare as JSON will
/// hold them (`200` and `"200"` are one key).
pub(super) fn check_yaml(name: &str, source: &str, limit: usize) -> Result<()> {
    let at = |marker: &Marker, message: String| Error::Yaml {
        file: name.to_string(),
        line: marker.line(),
        column: marker.col() + 1,
        message,
    };
    let refuse = |marker: &Marker, message: String| Error::Encoding {
        file: name.to_string(),
        line: marker.line(),
        column: marker.col() + 1,
        message,
    };
    let too_deep = |marker: &Marker| {
        refuse(
            marker,
            format!("mappings/sequences nested deeper than {limit} levels; refusing to parse"),
        )
    };
    let mut stack: Vec<Frame> = Vec::new();
    // For each open collection: its anchor (0: none) and the node count
    // when it started, so an anchored collection's expanded size is known
    // at its end.
    let mut starts: Vec<(usize, usize)> = Vec::new();
    let mut anchors: HashMap<usize, Kind> = HashMap::new();
    // Nodes an alias stands for, by anchor id.
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    let mut nodes = 0usize;
    let mut expanded = 0usize;
    let mut documents = 0usize;
    // The next node is the value of a `<<` key.
    let mut merge_value = false;
    for event in Parser::new_from_str(source) {
        let (event, span) = match event {
            Ok(event) => event,
            // The scanner looks ahead over flow openers and stops at its own
            // (larger) bound, before the parser reaches `limit`.
            Err(e) if e.info() == SAPHYR_RECURSION_LIMIT => return Err(too_deep(e.marker())),
            Err(e) => return Err(at(e.marker(), e.info().to_string())),
        };
        let expecting_key = matches!(
            stack.last(),
            Some(Frame::Mapping {
                expect_key: true,
                ..
            })
        );
        let is_merge_value = std::mem::take(&mut merge_value);
        let mut key_is_merge = false;
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(at(
                        &span.start,
                        "a second YAML document; a spec is one document (remove this `---` and what follows, or split the file)".to_string(),
                    ));
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let kind = match event {
                    Event::MappingStart(..) => Kind::Mapping,
                    _ => Kind::Sequence,
                };
                if stack.len() >= limit {
                    return Err(too_deep(&span.start));
                }
                if expecting_key {
                    return Err(at(
                        &span.start,
                        format!(
                            "a mapping key is {}; JSON object keys are strings",
                            kind.noun()
                        ),
                    ));
                }
                if anchor != 0 {
                    anchors.insert(anchor, kind);
                }
                nodes += 1;
                starts.push((anchor, nodes));
                stack.push(match kind {
                    Kind::Mapping => Frame::Mapping {
                        keys: HashMap::new(),
                        expect_key: true,
                    },
                    _ => Frame::Sequence,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                if let Some((anchor, start)) = starts.pop()
                    && anchor != 0
                {
                    sizes.insert(anchor, nodes - start + 1);
                }
            }
            Event::Scalar(value, _, anchor, _) => {
                nodes += 1;
                if anchor != 0 {
                    anchors.insert(anchor, Kind::Scalar);
                    sizes.insert(anchor, 1);
                }
                if is_merge_value {
                    return Err(at(
                        &span.start,
                        format!(
                            "`<<` (a merge key) takes a mapping or a list of mappings, not the scalar `{value}`"
                        ),
                    ));
                }
                if let Some(Frame::Mapping {
                    keys,
                    expect_key: true,
                }) = stack.last_mut()
                {
                    if let Some(first) = keys.insert(value.to_string(), span.start.line()) {
                        return Err(at(
                            &span.start,
                            format!("duplicate key `{value}` in a mapping (first at line {first})"),
                        ));
                    }
                    // serde_yaml's `apply_merge` merges a quoted `<<` too.
                    key_is_merge = value == "<<";
                }
            }
            Event::Alias(anchor) => {
                let size = sizes.get(&anchor).copied().unwrap_or(1);
                nodes = nodes.saturating_add(size);
                expanded = expanded.saturating_add(size);
                if expanded > MAX_ALIAS_NODES {
                    return Err(refuse(
                        &span.start,
                        format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb); refusing to parse"
                        ),
                    ));
                }
                let kind = anchors.get(&anchor).copied();
                if is_merge_value && kind != Some(Kind::Mapping) {
                    return Err(at(
                        &span.start,
                        format!(
                            "`<<` (a merge key) takes a mapping or a list of mappings, but this alias names {}",
                            kind.map_or("nothing defined before it", Kind::noun)
                        ),
                    ));
                }
            }
            _ => continue,
        }
        // A node ended: inside a mapping, the next one is a key or a value.
        if let Some(Frame::Mapping { expect_key, .. }) = stack.last_mut() {
            *expect_key = !*expect_key;
        }
        merge_value = key_is_merge;
    }
    Ok(())
}

/// Parses JSON with serde_json, refusing an object that has a key twice;
/// errors keep line and column.
pub(super) fn json_value(name: &str, source: &str) -> Result<Value> {
    let mut deserializer = serde_json::Deserializer::from_str(source);
    let value = StrictValue
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value));
    value.map_err(|e| Error::Json {
        file: name.to_string(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

/// A `serde_json::Value` built like serde_json's own, except that a
/// repeated object key is an error instead of overwriting the first.
struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate key `{key}` in an object"
                )));
            }
            let value = map.next_value_seed(StrictValue)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}
