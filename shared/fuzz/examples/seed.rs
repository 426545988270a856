//! Writes the seed corpus: valid inputs for every target into `corpus/<target>/seed-*`
//! (names are stable, so running it again rewrites the same files), and the hand-made
//! reproducers of the known bugs into `crashes/<target>/`.
//!
//! `cargo run --example seed` from `shared/fuzz/` (stable Rust; no fuzzing flags needed).

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("corpus");
    let n = shared_fuzz::seeds::write_all(&corpus).expect("write the seed corpus");
    println!("wrote {n} seeds under {}", corpus.display());
    let crashes = root.join("crashes");
    let n = shared_fuzz::seeds::write_known_crashes(&crashes).expect("write the known crashes");
    println!(
        "wrote {n} reproducers of known bugs under {}",
        crashes.display()
    );
}
