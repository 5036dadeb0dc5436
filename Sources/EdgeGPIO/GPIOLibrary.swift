import CGPIODShims

/// Which libgpiod this binary was built against, for `doctor`, `version` and start-up logs.
public enum GPIOLibrary {
    /// 1 (libgpiod 1.6 API) or 2 (libgpiod 2.x API).
    public static var apiVersion: Int { Int(ef_gpio_api_version()) }

    /// libgpiod's version string (`1.6.3`).
    public static var version: String { String(cString: ef_gpio_library_version()) }

    /// Whether line requests take a kernel debounce period; otherwise edgeflow debounces in software.
    public static var kernelDebounce: Bool { ef_gpio_kernel_debounce_supported() != 0 }
}
