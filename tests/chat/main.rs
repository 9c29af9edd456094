//! End-to-end tests of the chat component through devhost.
