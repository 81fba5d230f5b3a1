//! Two-word account names ("Waiting Salmonberry") and the workers.dev
//! subdomain derived from them.

use rand::seq::SliceRandom;

const ADJECTIVES: &[&str] = &[
    "Waiting", "Quiet", "Brisk", "Amber", "Gentle", "Hollow", "Lucky", "Mellow", "Nimble", "Polished", "Rapid", "Silver",
    "Sunny", "Tidal", "Velvet", "Wandering", "Bold", "Crimson", "Dusty", "Frosty",
];
const NOUNS: &[&str] = &[
    "Salmonberry", "Variety", "Heron", "Juniper", "Lantern", "Meadow", "Orchard", "Pebble", "Quartz", "Raven", "Sparrow",
    "Thicket", "Walnut", "Willow", "Comet", "Harbor", "Maple", "Nectar", "Otter", "Prairie",
];

pub fn account_name() -> String {
    let mut rng = rand::thread_rng();
    format!("{} {}", ADJECTIVES.choose(&mut rng).expect("non-empty"), NOUNS.choose(&mut rng).expect("non-empty"))
}

/// `Waiting Salmonberry` → `waiting-salmonberry` (docs/PROTOCOL.md §2.2).
pub fn subdomain_of(name: &str) -> String {
    name.to_lowercase().split_whitespace().collect::<Vec<_>>().join("-")
}
