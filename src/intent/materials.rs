//! The named materials a theme may state, mapped onto the scene's material table
//! ([`Material`], with its density, friction and restitution). A material word the table
//! does not hold is a refusal, never a silent substitute.

use crate::scene::Material;

/// Words naming each scene material (one row per material).
pub const MATERIAL_WORDS: &[(Material, &[&str])] = &[
    (Material::Steel, &["steel", "stainless"]),
    (Material::Aluminium, &["aluminium", "aluminum", "alu"]),
    (Material::Abs, &["abs"]),
    (Material::Hdpe, &["hdpe", "polyethylene"]),
    (Material::Rubber, &["rubber"]),
    (Material::Wood, &["wood", "wooden", "timber"]),
    (Material::Glass, &["glass"]),
    (Material::Concrete, &["concrete"]),
];

/// Words that name a material too vaguely to pick a density (several rows would fit).
pub const VAGUE_MATERIAL_WORDS: &[&str] = &["metal", "metallic", "plastic"];

/// Material words the table does not hold (refused by name).
pub const UNKNOWN_MATERIAL_WORDS: &[&str] = &[
    "brass",
    "copper",
    "lead",
    "iron",
    "gold",
    "silver",
    "titanium",
    "tungsten",
    "foam",
    "cork",
    "ice",
    "clay",
    "cardboard",
    "paper",
    "nylon",
    "pvc",
    "acrylic",
    "ceramic",
    "stone",
    "sponge",
    "felt",
];

/// The scene material a word names, if the table holds it.
pub fn material_of(word: &str) -> Option<Material> {
    MATERIAL_WORDS
        .iter()
        .find(|(_, words)| words.contains(&word))
        .map(|(m, _)| *m)
}

/// What a material word says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaterialWord {
    /// A material of the table.
    Known(Material),
    /// A word too vague to pick one ("metal").
    Vague,
    /// A material the table does not hold ("brass").
    Unknown,
}

/// Classifies `word` as a material word, if it is one.
pub fn classify(word: &str) -> Option<MaterialWord> {
    if let Some(m) = material_of(word) {
        return Some(MaterialWord::Known(m));
    }
    if VAGUE_MATERIAL_WORDS.contains(&word) {
        return Some(MaterialWord::Vague);
    }
    if UNKNOWN_MATERIAL_WORDS.contains(&word) {
        return Some(MaterialWord::Unknown);
    }
    None
}

/// The materials table in Markdown (name, words, density, friction, restitution), as the
/// README shows it.
pub fn table_markdown() -> String {
    let mut md = String::from(
        "| material | theme words | density kg/m³ | friction | restitution |\n|---|---|---|---|---|\n",
    );
    for (m, words) in MATERIAL_WORDS {
        let p = m.properties();
        md.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            m.name(),
            words.join(", "),
            p.density_kg_per_m3,
            p.friction,
            p.restitution
        ));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scene_material_has_a_row_and_words_are_unique() {
        for m in Material::ALL {
            assert!(MATERIAL_WORDS.iter().any(|(x, _)| *x == m), "{m:?}");
        }
        let mut seen = std::collections::BTreeSet::new();
        for (_, words) in MATERIAL_WORDS {
            for w in *words {
                assert!(seen.insert(*w), "{w} twice");
                assert_eq!(classify(w).map(|c| c != MaterialWord::Unknown), Some(true));
            }
        }
        assert_eq!(classify("brass"), Some(MaterialWord::Unknown));
        assert_eq!(classify("metal"), Some(MaterialWord::Vague));
    }
}
