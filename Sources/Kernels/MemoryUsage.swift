import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Peak resident set size of this process, in bytes (getrusage: ru_maxrss is in KiB on Linux).
public func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #if os(Linux)
    return Int(usage.ru_maxrss) * 1024
    #else
    return Int(usage.ru_maxrss)
    #endif
}

public func formatBytes(_ bytes: Int) -> String {
    let value = Double(bytes)
    if bytes >= 1 << 30 { return String(format: "%.2f GiB", value / Double(1 << 30)) }
    if bytes >= 1 << 20 { return String(format: "%.1f MiB", value / Double(1 << 20)) }
    return String(format: "%.1f KiB", value / 1024)
}

/// The machine's physical memory, in bytes (0 when it cannot be read).
public func physicalMemoryBytes() -> Int {
    let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
    return pages > 0 && size > 0 ? pages * size : 0
}
