//! The Rust names progenitor's output uses, asked of typify itself rather
//! than re-derived: a pass that names a type differently from typify emits
//! a second item (E0428) or refers to one that does not exist.

use serde_json::json;
use typify::{TypeSpace, TypeSpaceSettings};

/// The Rust type name typify gives the component schema named `component`
/// (the key under `components/schemas`), which is also the key typify looks
/// replacements up under. typify names a type by its key alone, so the name
/// is read off a one-type type space holding a string enum under that key.
/// Falls back to `component` itself if typify refuses the probe (it does
/// not for any string key; the output guard would then report the clash).
pub fn type_name(component: &str) -> String {
    let probe = serde_json::from_value::<schemars::schema::Schema>(
        json!({ "type": "string", "enum": ["a", "b"] }),
    );
    let Ok(probe) = probe else {
        return component.to_string();
    };
    let mut space = TypeSpace::new(&TypeSpaceSettings::default());
    if space.add_ref_types([(component, probe)]).is_err() {
        return component.to_string();
    }
    space
        .iter_types()
        .map(|t| t.name())
        .next()
        .unwrap_or_else(|| component.to_string())
}

#[cfg(test)]
mod tests {
    use super::type_name;

    #[test]
    fn names_come_from_typify() {
        assert_eq!(type_name("pet_status"), "PetStatus");
        assert_eq!(type_name("PetStatus"), "PetStatus");
        assert_eq!(type_name("pet-status"), "PetStatus");
        assert_eq!(type_name("v1.Pet"), "V1Pet");
        assert_eq!(type_name("2fa"), "X2fa");
        assert_eq!(type_name("Self"), "Self_");
        assert_eq!(type_name("don't"), "Dont");
    }
}
