import Foundation
import Testing
import Checkpoints

/// The reader against files written by the `gguf` Python package and values dequantised by it
/// (`scripts/make_gguf_fixtures.py`).
@Suite struct GGUFReaderTests {
    private func expectedValue(_ entry: [String: Any]) -> GGUFValue? {
        let type = entry["type"] as? String ?? ""
        let value = entry["value"]
        let number = value as? NSNumber
        switch type {
        case "UINT8": return number.map { .uint8($0.uint8Value) }
        case "INT8": return number.map { .int8($0.int8Value) }
        case "UINT16": return number.map { .uint16($0.uint16Value) }
        case "INT16": return number.map { .int16($0.int16Value) }
        case "UINT32": return number.map { .uint32($0.uint32Value) }
        case "INT32": return number.map { .int32($0.int32Value) }
        case "UINT64": return (entry["value_text"] as? String).flatMap(UInt64.init).map { .uint64($0) }
        case "INT64": return (entry["value_text"] as? String).flatMap(Int64.init).map { .int64($0) }
        case "FLOAT32": return number.map { .float32(Float($0.doubleValue)) }
        case "FLOAT64": return number.flatMap { Double($0.stringValue) }.map { .float64($0) }
        case "BOOL": return (value as? Bool).map { .bool($0) }
        case "STRING": return (value as? String).map { .string($0) }
        case "ARRAY":
            guard let elementName = entry["element_type"] as? String,
                  let elementType = GGUFValueType.allCases.first(where: { $0.name == elementName }),
                  let items = value as? [Any] else { return nil }
            let values = items.compactMap { item -> GGUFValue? in
                if let nested = item as? [String: Any] { return expectedValue(nested) }
                return expectedValue(["type": elementName, "value": item, "value_text": "\(item)"])
            }
            return values.count == items.count ? .array(elementType: elementType, values: values) : nil
        default: return nil
        }
    }

    @Test(arguments: ["gguf/all_types.gguf", "gguf/all_types_v2.gguf"])
    func readsEveryMetadataTypeAndTensorType(file: String) throws {
        let expected = try Fixtures.json("gguf/all_types.expected.json")
        let gguf = try GGUFFile(path: try Fixtures.path(file))
        #expect(gguf.version == (file.contains("v2") ? 2 : 3))
        #expect(gguf.alignment == 64)
        #expect(gguf.dataOffset == expected["data_section_offset"] as? Int)

        let metadata = try #require(expected["metadata"] as? [String: Any])
        let order = try #require(expected["metadata_key_order"] as? [String])
        #expect(gguf.metadata.map(\.key) == order)
        for key in order {
            let entry = try #require(metadata[key] as? [String: Any])
            let want = try #require(expectedValue(entry), "cannot interpret expected \(key)")
            #expect(gguf[key] == want, "metadata \(key)")
        }

        let tensors = try #require(expected["tensors"] as? [[String: Any]])
        #expect(gguf.tensors.count == tensors.count)
        for entry in tensors {
            let name = try #require(entry["name"] as? String)
            let info = try #require(gguf.info(name))
            #expect(info.type.name == entry["type"] as? String)
            #expect(Int(info.type.id) == entry["type_id"] as? Int)
            #expect(info.dimensions == entry["dims"] as? [Int])
            #expect(info.offset == entry["offset"] as? Int)
            let values = try gguf.floats(info)
            let reference = floats(entry["values"])
            #expect(values.count == reference.count)
            // Bit-for-bit: the same formulas in the same float order as ggml and gguf-py.
            let mismatches = zip(values, reference).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(mismatches == 0, "\(name): \(mismatches) values differ from gguf.quants.dequantize")
        }
    }

    @Test func nestedArrayIsRead() throws {
        let gguf = try GGUFFile(path: try Fixtures.path("gguf/all_types.gguf"))
        let nested = try #require(gguf["test.arr_nested"]?.arrayValues)
        #expect(nested.map { $0.arrayValues?.compactMap(\.intValue) ?? [] } == [[1, 2, 3], [4], [5, 6]])
    }

    @Test(.enabled(if: Fixtures.realModelPresent, "models/SmolLM2-135M-Instruct.Q4_1.gguf is absent: run `make model`"))
    func realModelEveryTensorLoadsAndMatchesGGUFPy() throws {
        let samples = try Fixtures.json("smollm2_135m_instruct.samples.json")
        let gguf = try GGUFFile(path: Fixtures.realModelPath)
        #expect(gguf.version == 3)
        #expect(gguf.tensors.count == samples["tensor_count"] as? Int)
        #expect(gguf.metadata.count == samples["kv_count"] as? Int)
        #expect(gguf.dataOffset == samples["data_section_offset"] as? Int)
        let facts = try #require(samples["metadata"] as? [String: Any])
        #expect(gguf["llama.block_count"]?.intValue == facts["llama.block_count"] as? Int)
        #expect(gguf["tokenizer.ggml.tokens"]?.arrayValues?.count == facts["tokenizer.ggml.tokens.count"] as? Int)
        #expect(gguf["tokenizer.ggml.merges"]?.arrayValues?.count == facts["tokenizer.ggml.merges.count"] as? Int)
        let tokens = try #require(gguf["tokenizer.ggml.tokens"]?.arrayValues)
        for (index, text) in try #require(samples["token_samples"] as? [String: String]) {
            #expect(tokens[try #require(Int(index))].stringValue == text)
        }

        let sampled = try #require(samples["tensors"] as? [[String: Any]])
        var typeCounts: [String: Int] = [:]
        for entry in sampled {
            let name = try #require(entry["name"] as? String)
            let info = try #require(gguf.info(name), "missing tensor \(name)")
            #expect(info.type.name == entry["type"] as? String)
            #expect(info.dimensions == entry["dims"] as? [Int])
            typeCounts[info.type.name, default: 0] += 1
            let values = try gguf.floats(info)   // every tensor dequantises fully
            let indices = try #require(entry["indices"] as? [Int])
            let reference = floats(entry["values"])
            for (index, want) in zip(indices, reference) {
                #expect(values[index].bitPattern == want.bitPattern, "\(name)[\(index)]: \(values[index]) vs gguf-py \(want)")
            }
        }
        #expect(typeCounts == ["Q4_1": 210, "F32": 61, "Q8_0": 1])
    }
}
