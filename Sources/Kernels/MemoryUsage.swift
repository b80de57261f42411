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

/// Resets the kernel's peak-RSS mark of this process (Linux: `5` to /proc/self/clear_refs), so the
/// next `currentPeakResident()` covers only what ran since.
public func resetPeakResident() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// VmHWM of /proc/self/status in bytes: the peak since the last `resetPeakResident()` (nil where
/// there is no /proc).
public func currentPeakResident() -> Int? {
    (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)).flatMap(peakResident(status:))
}

/// The VmHWM line of a /proc/PID/status text, in bytes. Its number follows a tab and is padded with
/// spaces to 8 characters, so it is split on both ("VmHWM:\t  856312 kB", "VmHWM:\t11564484 kB").
public func peakResident(status: String) -> Int? {
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
    let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
    guard fields.count >= 2, let kib = Int(fields[1]) else { return nil }
    return kib * 1024
}
