/// The element types a safetensors header may name. Reading into Float is supported for the
/// floating-point ones; the others can be listed and their bytes read.
public enum SafetensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case u8 = "U8", i8 = "I8", u16 = "U16", i16 = "I16", u32 = "U32", i32 = "I32", u64 = "U64", i64 = "I64"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"
    case f16 = "F16", bf16 = "BF16", f32 = "F32", f64 = "F64"

    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e4m3, .f8e5m2: return 1
        case .u16, .i16, .f16, .bf16: return 2
        case .u32, .i32, .f32: return 4
        case .u64, .i64, .f64: return 8
        }
    }

    /// The types `SafetensorsFile.floats(_:)` converts to Float.
    public var isReadableAsFloat: Bool {
        switch self {
        case .f16, .bf16, .f32, .f64: return true
        default: return false
        }
    }

    /// The types the writer can produce from Float values.
    public var isWritableFromFloat: Bool {
        self == .f32 || self == .f16 || self == .bf16
    }
}
