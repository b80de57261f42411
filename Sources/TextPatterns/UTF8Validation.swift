/// UTF-8 validation by the Unicode standard's well-formed byte sequences (Table 3-7): no overlong
/// forms, no surrogates, nothing above U+10FFFF.
public enum UTF8Validation {
    /// Length of the well-formed sequence starting at `i`, or 0 if the bytes there are ill-formed.
    @inline(__always)
    static func sequenceLength(_ s: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let b0 = s[i]
        if b0 < 0x80 { return 1 }
        let n = s.count
        func continuation(_ k: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            k < n && s[k] >= low && s[k] <= high
        }
        switch b0 {
        case 0xC2...0xDF: return continuation(i + 1) ? 2 : 0
        case 0xE0: return continuation(i + 1, 0xA0) && continuation(i + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return continuation(i + 1) && continuation(i + 2) ? 3 : 0
        case 0xED: return continuation(i + 1, 0x80, 0x9F) && continuation(i + 2) ? 3 : 0
        case 0xF0: return continuation(i + 1, 0x90) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
        case 0xF1...0xF3: return continuation(i + 1) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
        case 0xF4: return continuation(i + 1, 0x80, 0x8F) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
        default: return 0
        }
    }

    /// The maximal runs of well-formed UTF-8 in `bytes` (the bytes between them are ill-formed).
    public static func validRuns(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var runStart = 0, i = 0
        while i < bytes.count {
            let length = sequenceLength(bytes, at: i)
            if length == 0 {
                if i > runStart { runs.append(runStart..<i) }
                i += 1
                runStart = i
            } else {
                i += length
            }
        }
        if bytes.count > runStart { runs.append(runStart..<bytes.count) }
        return runs
    }

    public static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { validRuns($0) == (bytes.isEmpty ? [] : [0..<bytes.count]) }
    }
}
