/// Placeholder until this module lands.
enum EdgeUplinkModule {}
