/// Placeholder until this module lands.
enum EdgeModbusModule {}
