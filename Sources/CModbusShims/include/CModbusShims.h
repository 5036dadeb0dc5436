#pragma once
/*
 * libmodbus constants Swift cannot see. libmodbus builds its protocol-exception errno values
 * from other macros (MODBUS_ENOBASE + n), and Swift's importer drops such compound macros, so
 * they are exported here as plain constants. Every symbol is prefixed `edgeflow_`.
 */

#ifdef __cplusplus
extern "C" {
#endif

extern const int edgeflow_modbus_exception_illegal_function;
extern const int edgeflow_modbus_exception_illegal_address;
extern const int edgeflow_modbus_exception_illegal_value;
extern const int edgeflow_modbus_exception_device_failure;
extern const int edgeflow_modbus_exception_acknowledge;
extern const int edgeflow_modbus_exception_device_busy;
extern const int edgeflow_modbus_exception_gateway_path;
extern const int edgeflow_modbus_exception_gateway_target;
extern const int edgeflow_modbus_error_bad_crc;
extern const int edgeflow_modbus_error_bad_data;
extern const int edgeflow_modbus_error_bad_exception;
extern const int edgeflow_modbus_error_too_much_data;
extern const int edgeflow_modbus_error_bad_slave;

#ifdef __cplusplus
}
#endif
