#include "CModbusShims.h"
#include <modbus/modbus.h>

const int edgeflow_modbus_exception_illegal_function = EMBXILFUN;
const int edgeflow_modbus_exception_illegal_address = EMBXILADD;
const int edgeflow_modbus_exception_illegal_value = EMBXILVAL;
const int edgeflow_modbus_exception_device_failure = EMBXSFAIL;
const int edgeflow_modbus_exception_acknowledge = EMBXACK;
const int edgeflow_modbus_exception_device_busy = EMBXSBUSY;
const int edgeflow_modbus_exception_gateway_path = EMBXGPATH;
const int edgeflow_modbus_exception_gateway_target = EMBXGTAR;
const int edgeflow_modbus_error_bad_crc = EMBBADCRC;
const int edgeflow_modbus_error_bad_data = EMBBADDATA;
const int edgeflow_modbus_error_bad_exception = EMBBADEXC;
const int edgeflow_modbus_error_too_much_data = EMBMDATA;
const int edgeflow_modbus_error_bad_slave = EMBBADSLAVE;
