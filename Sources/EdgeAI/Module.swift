/// Placeholder until this module lands.
enum EdgeAIModule {}
