//! The procedural backend: an archetype library, a theme reader, a script writer and a
//! rubric. Needs no network; the default backend and the one the tests run.
