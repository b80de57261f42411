import Foundation

/// The numbers of a metrics line (one object of metrics.jsonl), as TensorBoard and `rlvr report`
/// show them: nested objects give `outer/inner` names; strings, arrays and booleans are left out.
public enum MetricsLine {
    public static func numbers(_ object: [String: Any], prefix: String = "") -> [(name: String, value: Double)] {
        var out: [(name: String, value: Double)] = []
        for key in object.keys.sorted() {
            switch object[key] {
            case let nested as [String: Any]: out += numbers(nested, prefix: prefix + key + "/")
            // "c": a boolean (JSON true/false, or a Swift Bool); `is Bool` would also match the numbers 0 and 1
            case let number as NSNumber where String(cString: number.objCType) != "c": out.append((prefix + key, number.doubleValue))
            default: break
            }
        }
        return out
    }
}
