#pragma once
#include <modbus/modbus.h>
