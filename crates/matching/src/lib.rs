//! Name and document matching (pure, no I/O).

pub mod document;
