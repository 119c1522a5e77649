"""descent scenes: Manim Community scene classes built on the engine's recorded trajectories."""
