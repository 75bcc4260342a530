//! Test harness: private servers and a fresh environment per command.
#![allow(dead_code)]
