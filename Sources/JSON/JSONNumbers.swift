import Foundation

/// Exact reading of numbers produced by `JSONSerialization`, which on Linux hands back booleans as
/// NSNumbers (so `1 is Bool` is true) and fractional numbers as NSDecimalNumber (whose `doubleValue`
/// can be off by an ulp).
public enum JSONNumbers {
    /// True only for JSON `true`/`false`.
    public static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    /// A JSON number that is an integer exactly representable as Int (not a boolean, not 2.5).
    public static func exactInteger(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, !isBoolean(value) else { return nil }
        if number is NSDecimalNumber {
            return Double(number.stringValue).flatMap { Int(exactly: $0) }
        }
        let objCType = String(cString: number.objCType)
        if objCType == "d" || objCType == "f" { return Int(exactly: number.doubleValue) }
        return number.intValue
    }

    /// A JSON number (not a boolean) as the nearest Double to its decimal text.
    public static func double(_ value: Any) -> Double? {
        guard let number = value as? NSNumber, !isBoolean(value) else { return nil }
        if number is NSDecimalNumber { return Double(number.stringValue) }
        return number.doubleValue
    }
}
