/// Placeholder until this module lands.
enum EdgeAgentModule {}
