/// The tensor element types of ggml, with their block geometry.
///
/// A tensor of a block type stores `elements / blockSize` blocks of `blockBytes` bytes each; the first
/// GGUF dimension (ne0) must be a multiple of `blockSize`. Ids and sizes follow ggml's `ggml_type`
/// table, so every tensor of every known type can be listed and sized even when it cannot be
/// dequantised.
public struct GGMLType: Hashable, Sendable, CustomStringConvertible {
    public let id: UInt32
    public let name: String
    public let blockSize: Int
    public let blockBytes: Int

    public var description: String { name }

    public static let f32 = GGMLType(id: 0, name: "F32", blockSize: 1, blockBytes: 4)
    public static let f16 = GGMLType(id: 1, name: "F16", blockSize: 1, blockBytes: 2)
    public static let q4_0 = GGMLType(id: 2, name: "Q4_0", blockSize: 32, blockBytes: 18)
    public static let q4_1 = GGMLType(id: 3, name: "Q4_1", blockSize: 32, blockBytes: 20)
    public static let q5_0 = GGMLType(id: 6, name: "Q5_0", blockSize: 32, blockBytes: 22)
    public static let q5_1 = GGMLType(id: 7, name: "Q5_1", blockSize: 32, blockBytes: 24)
    public static let q8_0 = GGMLType(id: 8, name: "Q8_0", blockSize: 32, blockBytes: 34)
    public static let q8_1 = GGMLType(id: 9, name: "Q8_1", blockSize: 32, blockBytes: 36)
    public static let q2_K = GGMLType(id: 10, name: "Q2_K", blockSize: 256, blockBytes: 84)
    public static let q3_K = GGMLType(id: 11, name: "Q3_K", blockSize: 256, blockBytes: 110)
    public static let q4_K = GGMLType(id: 12, name: "Q4_K", blockSize: 256, blockBytes: 144)
    public static let q5_K = GGMLType(id: 13, name: "Q5_K", blockSize: 256, blockBytes: 176)
    public static let q6_K = GGMLType(id: 14, name: "Q6_K", blockSize: 256, blockBytes: 210)
    public static let q8_K = GGMLType(id: 15, name: "Q8_K", blockSize: 256, blockBytes: 292)
    public static let iq2_xxs = GGMLType(id: 16, name: "IQ2_XXS", blockSize: 256, blockBytes: 66)
    public static let iq2_xs = GGMLType(id: 17, name: "IQ2_XS", blockSize: 256, blockBytes: 74)
    public static let iq3_xxs = GGMLType(id: 18, name: "IQ3_XXS", blockSize: 256, blockBytes: 98)
    public static let iq1_s = GGMLType(id: 19, name: "IQ1_S", blockSize: 256, blockBytes: 50)
    public static let iq4_nl = GGMLType(id: 20, name: "IQ4_NL", blockSize: 32, blockBytes: 18)
    public static let iq3_s = GGMLType(id: 21, name: "IQ3_S", blockSize: 256, blockBytes: 110)
    public static let iq2_s = GGMLType(id: 22, name: "IQ2_S", blockSize: 256, blockBytes: 82)
    public static let iq4_xs = GGMLType(id: 23, name: "IQ4_XS", blockSize: 256, blockBytes: 136)
    public static let i8 = GGMLType(id: 24, name: "I8", blockSize: 1, blockBytes: 1)
    public static let i16 = GGMLType(id: 25, name: "I16", blockSize: 1, blockBytes: 2)
    public static let i32 = GGMLType(id: 26, name: "I32", blockSize: 1, blockBytes: 4)
    public static let i64 = GGMLType(id: 27, name: "I64", blockSize: 1, blockBytes: 8)
    public static let f64 = GGMLType(id: 28, name: "F64", blockSize: 1, blockBytes: 8)
    public static let iq1_m = GGMLType(id: 29, name: "IQ1_M", blockSize: 256, blockBytes: 56)
    public static let bf16 = GGMLType(id: 30, name: "BF16", blockSize: 1, blockBytes: 2)
    public static let tq1_0 = GGMLType(id: 34, name: "TQ1_0", blockSize: 256, blockBytes: 54)
    public static let tq2_0 = GGMLType(id: 35, name: "TQ2_0", blockSize: 256, blockBytes: 66)
    public static let mxfp4 = GGMLType(id: 39, name: "MXFP4", blockSize: 32, blockBytes: 17)

    public static let all: [GGMLType] = [
        .f32, .f16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K,
        .iq2_xxs, .iq2_xs, .iq3_xxs, .iq1_s, .iq4_nl, .iq3_s, .iq2_s, .iq4_xs, .i8, .i16, .i32, .i64,
        .f64, .iq1_m, .bf16, .tq1_0, .tq2_0, .mxfp4,
    ]

    private static let byID: [UInt32: GGMLType] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    public init?(id: UInt32) {
        guard let known = Self.byID[id] else { return nil }
        self = known
    }

    private init(id: UInt32, name: String, blockSize: Int, blockBytes: Int) {
        self.id = id
        self.name = name
        self.blockSize = blockSize
        self.blockBytes = blockBytes
    }

    /// The types `GGMLDequantizer` converts to Float.
    public static let dequantizable: [GGMLType] = [.f32, .f16, .bf16, .f64, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    public var canDequantize: Bool { Self.dequantizable.contains(self) }
}
