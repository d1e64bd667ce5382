//! The planc runtime: executes a staged DAG with a worker pool and a content-addressed cache.
