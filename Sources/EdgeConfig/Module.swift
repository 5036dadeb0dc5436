/// Placeholder until this module lands.
enum EdgeConfigModule {}
