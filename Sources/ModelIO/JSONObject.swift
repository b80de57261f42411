import Checkpoints
import Foundation
import JSON

/// Typed, error-reporting access to a JSON object read from a file: every failed lookup names the
/// file, the key and what was expected.
struct JSONObject {
    let file: String
    let values: [String: Any]

    init(file: String, data: Data) throws {
        self.file = file
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw ModelFileError(file: file, key: "", problem: "is not valid JSON (\(detail))")
        }
        guard let object = parsed as? [String: Any] else {
            throw ModelFileError(file: file, key: "", problem: "expected a JSON object at the top level")
        }
        values = object
    }

    init(file: String, path: String) throws {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelFileError(file: file, key: "", problem: "cannot be read (\(error.localizedDescription))")
        }
        try self.init(file: file, data: data)
    }

    func has(_ key: String) -> Bool {
        if let value = values[key] { return !(value is NSNull) }
        return false
    }

    private func fail(_ key: String, _ expected: String) -> ModelFileError {
        ModelFileError(file: file, key: key, problem: "expected \(expected), got \(values[key].map { "\($0)" } ?? "nothing")")
    }

    func int(_ key: String) throws -> Int {
        guard let value = try optionalInt(key) else { throw ModelFileError(file: file, key: key, problem: "required key is missing") }
        return value
    }

    func optionalInt(_ key: String) throws -> Int? {
        guard has(key) else { return nil }
        guard let value = values[key], let number = JSONNumbers.exactInteger(value) else { throw fail(key, "an integer") }
        return number
    }

    func optionalDouble(_ key: String) throws -> Double? {
        guard has(key) else { return nil }
        guard let value = values[key], let number = JSONNumbers.double(value) else { throw fail(key, "a number") }
        return number
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard has(key) else { return nil }
        guard let value = values[key], JSONNumbers.isBoolean(value), let flag = value as? Bool else { throw fail(key, "true or false") }
        return flag
    }

    func optionalString(_ key: String) throws -> String? {
        guard has(key) else { return nil }
        guard let text = values[key] as? String else { throw fail(key, "a string") }
        return text
    }

    /// An integer or a list of integers (as `eos_token_id` may be).
    func intList(_ key: String) throws -> [Int] {
        guard has(key) else { return [] }
        if let single = try? optionalInt(key) { return [single] }
        guard let list = values[key] as? [Any] else { throw fail(key, "an integer or a list of integers") }
        return try list.map { item in
            guard let number = JSONNumbers.exactInteger(item) else { throw fail(key, "an integer or a list of integers") }
            return number
        }
    }

    func object(_ key: String) throws -> JSONObject? {
        guard has(key) else { return nil }
        guard let nested = values[key] as? [String: Any] else { throw fail(key, "an object") }
        return JSONObject(file: file, values: nested)
    }

    init(file: String, values: [String: Any]) {
        self.file = file
        self.values = values
    }
}
