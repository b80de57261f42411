import Kernels
import Testing

/// The peak-RSS figure the benchmarks print, read from /proc/self/status.
struct MemoryUsageTests {
    /// The number is space-padded to 8 characters after a tab: from 10 GB up there is no space.
    @Test(arguments: [("VmPeak:\t 9000000 kB\nVmHWM:\t  856312 kB\nVmRSS:\t  800000 kB", 856_312 * 1024),
                      ("VmHWM:\t11564484 kB\n", 11_564_484 * 1024), ("VmRSS:\t1 kB\n", nil)])
    func peakIsReadAtAnyWidth(status: String, bytes: Int?) {
        #expect(peakResident(status: status) == bytes)
    }

    @Test func thisProcessHasAPeak() throws {
        #if os(Linux)
        let peak = try #require(currentPeakResident())
        #expect(peak > 1 << 20)
        #endif
    }
}
