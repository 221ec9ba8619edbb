//! Request bodies, responses, their media types and headers.

use serde_json::Value;

use super::document::Op;
use super::{Dir, Raw, Walker, code, deref, entries, flag, raw};
use crate::diff::deprecation::Sunset;
use crate::diff::rules::{body, response};
use crate::pointer;

impl<'a> Walker<'a> {
    pub(super) fn request_body(&mut self, o: &Op<'a>, n: &Op<'a>) -> Vec<Raw> {
        let body = |root: &'a Value, op: &Op<'a>| {
            op.op
                .get("requestBody")
                .map(|b| deref(root, (pointer::push(&op.pointer, "requestBody"), b)))
        };
        match (body(self.old, o), body(self.new, n)) {
            (None, None) => Vec::new(),
            (Some((op, ov)), None) => vec![raw(
                body::REQUEST_BODY_REMOVED,
                &op,
                &n.pointer,
                Some(ov),
                None,
                "request body removed".into(),
            )],
            (None, Some((np, nv))) => {
                let (rule, word) = if flag(nv, "required") {
                    (body::REQUEST_BODY_ADDED_REQUIRED, "required")
                } else {
                    (body::REQUEST_BODY_ADDED_OPTIONAL, "optional")
                };
                vec![raw(
                    rule,
                    &o.pointer,
                    &np,
                    None,
                    Some(nv),
                    format!("{word} request body added"),
                )]
            }
            (Some((op, ov)), Some((np, nv))) => {
                let mut out = Vec::new();
                let (oreq, nreq) = (flag(ov, "required"), flag(nv, "required"));
                if oreq != nreq {
                    let (rule, word) = if nreq {
                        (body::REQUEST_BODY_BECAME_REQUIRED, "required")
                    } else {
                        (body::REQUEST_BODY_BECAME_OPTIONAL, "optional")
                    };
                    out.push(raw(
                        rule,
                        &pointer::push(&op, "required"),
                        &pointer::push(&np, "required"),
                        Some(&Value::Bool(oreq)),
                        Some(&Value::Bool(nreq)),
                        format!("request body is now {word}"),
                    ));
                }
                out.extend(self.content(Dir::Request, (&op, ov), (&np, nv)));
                out
            }
        }
    }

    /// Compares `content` maps (media type → schema) of a body, response,
    /// parameter or header.
    pub(super) fn content(
        &mut self,
        dir: Dir,
        (op, ov): (&str, &'a Value),
        (np, nv): (&str, &'a Value),
    ) -> Vec<Raw> {
        let (oc, nc) = (ov.get("content"), nv.get("content"));
        let (o_at, n_at) = (pointer::push(op, "content"), pointer::push(np, "content"));
        let mut out = Vec::new();
        for (media, om) in entries(oc) {
            let o_media = pointer::push(&o_at, media);
            let Some(nm) = nc.and_then(|c| c.get(media)) else {
                let rule = dir.pick(
                    body::REQUEST_MEDIA_TYPE_REMOVED,
                    response::RESPONSE_MEDIA_TYPE_REMOVED,
                );
                out.push(raw(
                    rule,
                    &o_media,
                    &n_at,
                    Some(&Value::from(media.as_str())),
                    None,
                    format!("media type {media} removed", media = code(media)),
                ));
                continue;
            };
            let n_media = pointer::push(&n_at, media);
            // `schema: {}` says no more than no schema at all.
            let schema = |m: &'a Value| m.get("schema").filter(|s| !is_empty_object(s));
            match (schema(om), schema(nm)) {
                (Some(os), Some(ns)) => out.extend(self.schema(
                    dir,
                    (pointer::push(&o_media, "schema"), os),
                    (pointer::push(&n_media, "schema"), ns),
                )),
                (None, Some(ns)) => out.push(raw(
                    dir.pick(body::REQUEST_SCHEMA_ADDED, response::RESPONSE_SCHEMA_ADDED),
                    &o_media,
                    &pointer::push(&n_media, "schema"),
                    None,
                    Some(ns),
                    format!("{media} now has a schema", media = code(media)),
                )),
                (Some(os), None) => out.push(raw(
                    dir.pick(
                        body::REQUEST_SCHEMA_REMOVED,
                        response::RESPONSE_SCHEMA_REMOVED,
                    ),
                    &pointer::push(&o_media, "schema"),
                    &n_media,
                    Some(os),
                    None,
                    format!("{media} no longer has a schema", media = code(media)),
                )),
                (None, None) => {}
            }
        }
        for (media, _) in entries(nc) {
            if oc.and_then(|c| c.get(media)).is_none() {
                let rule = dir.pick(
                    body::REQUEST_MEDIA_TYPE_ADDED,
                    response::RESPONSE_MEDIA_TYPE_ADDED,
                );
                out.push(raw(
                    rule,
                    &o_at,
                    &pointer::push(&n_at, media),
                    None,
                    Some(&Value::from(media.as_str())),
                    format!("media type {media} added", media = code(media)),
                ));
            }
        }
        out
    }

    pub(super) fn responses(&mut self, o: &Op<'a>, n: &Op<'a>) -> Vec<Raw> {
        let (o_at, n_at) = (
            pointer::push(&o.pointer, "responses"),
            pointer::push(&n.pointer, "responses"),
        );
        let (or, nr) = (o.op.get("responses"), n.op.get("responses"));
        let mut out = Vec::new();
        for (status, resp) in entries(or) {
            let o_resp = deref(self.old, (pointer::push(&o_at, status), resp));
            let Some(nresp) = nr.and_then(|r| r.get(status)) else {
                let rule = if status.starts_with('2') || status == "default" {
                    response::RESPONSE_SUCCESS_STATUS_REMOVED
                } else {
                    response::RESPONSE_ERROR_STATUS_REMOVED
                };
                out.push(raw(
                    rule,
                    &o_resp.0,
                    &n_at,
                    Some(&Value::from(status.as_str())),
                    None,
                    format!("response {status} removed"),
                ));
                continue;
            };
            let n_resp = deref(self.new, (pointer::push(&n_at, status), nresp));
            out.extend(self.content(Dir::Response, (&o_resp.0, o_resp.1), (&n_resp.0, n_resp.1)));
            out.extend(self.headers((&o_resp.0, o_resp.1), (&n_resp.0, n_resp.1)));
        }
        for (status, _) in entries(nr) {
            if or.and_then(|r| r.get(status)).is_none() {
                out.push(raw(
                    response::RESPONSE_STATUS_ADDED,
                    &o_at,
                    &pointer::push(&n_at, status),
                    None,
                    Some(&Value::from(status.as_str())),
                    format!("response {status} added"),
                ));
            }
        }
        out
    }

    fn headers(&mut self, (op, ov): (&str, &'a Value), (np, nv): (&str, &'a Value)) -> Vec<Raw> {
        let (oh, nh) = (ov.get("headers"), nv.get("headers"));
        let (o_at, n_at) = (pointer::push(op, "headers"), pointer::push(np, "headers"));
        let mut out = Vec::new();
        for (name, header) in entries(oh) {
            let (hop, hov) = deref(self.old, (pointer::push(&o_at, name), header));
            let Some((new_name, nheader)) = header_named(nh, name) else {
                let (rule, why) = self.removal(response::RESPONSE_HEADER_REMOVED, Sunset::of(hov));
                out.push(raw(
                    rule,
                    &hop,
                    &n_at,
                    Some(&Value::from(name.as_str())),
                    None,
                    format!("response header {name} removed{why}", name = code(name)),
                ));
                continue;
            };
            let (hnp, hnv) = deref(self.new, (pointer::push(&n_at, new_name), nheader));
            if flag(hov, "required") && !flag(hnv, "required") {
                out.push(raw(
                    response::RESPONSE_HEADER_BECAME_OPTIONAL,
                    &hop,
                    &hnp,
                    Some(&Value::Bool(true)),
                    Some(&Value::Bool(false)),
                    format!("response header {name} is now optional", name = code(name)),
                ));
            }
            if let (Some(os), Some(ns)) = (hov.get("schema"), hnv.get("schema")) {
                out.extend(self.schema(
                    Dir::Response,
                    (pointer::push(&hop, "schema"), os),
                    (pointer::push(&hnp, "schema"), ns),
                ));
            } else if hov.get("content").is_some() && hnv.get("content").is_some() {
                out.extend(self.content(Dir::Response, (&hop, hov), (&hnp, hnv)));
            }
        }
        for (name, _) in entries(nh) {
            if header_named(oh, name).is_none() {
                out.push(raw(
                    response::RESPONSE_HEADER_ADDED,
                    &o_at,
                    &pointer::push(&n_at, name),
                    None,
                    Some(&Value::from(name.as_str())),
                    format!("response header {name} added", name = code(name)),
                ));
            }
        }
        out
    }
}

/// The header `name` of a `headers` map, matched case-insensitively (RFC
/// 9110 §5.1), with its name as written there.
fn header_named<'a>(headers: Option<&'a Value>, name: &str) -> Option<(&'a String, &'a Value)> {
    entries(headers).find(|(n, _)| n.eq_ignore_ascii_case(name))
}

fn is_empty_object(value: &Value) -> bool {
    value.as_object().is_some_and(serde_json::Map::is_empty)
}
