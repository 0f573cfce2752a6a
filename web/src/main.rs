//! The explorer (placeholder until the explorer issue lands): it links the shared core so that the
//! crate keeps compiling against it.

fn main() {
    let registry = left_behind_shared::ModelRegistry::study();
    println!("{} models", registry.models.len());
}
