/// Placeholder until this module lands.
enum EdgeGPIOModule {}
