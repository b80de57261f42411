import TextPatterns

/// Splits text into the pieces BPE runs on, as Hugging Face's `Sequence[Digits(individual_digits),
/// ByteLevel(use_regex)]` does for SmolLM2 (llama.cpp's `smollm` pre-tokenizer): first every numeric
/// character becomes a piece of its own, then each remaining stretch is split by GPT-2's pattern
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// Bytes no pattern matches (invalid UTF-8) become pieces too, so no byte is ever dropped.
public struct PreTokenizer: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// GPT-2's pattern alone.
        case gpt2
        /// Each digit alone, then GPT-2's pattern (SmolLM2).
        case digitsThenGPT2 = "smollm"
    }

    public let kind: Kind
    private let digits: PCRE2Pattern
    private let words: PCRE2Pattern

    public static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    public init(kind: Kind) {
        self.kind = kind
        // Both patterns are constants known to compile.
        digits = try! PCRE2Pattern(#"\p{N}"#)
        words = try! PCRE2Pattern(Self.gpt2Pattern)
    }

    /// Byte ranges of the pieces of `text[range]`, in order, covering every byte.
    public func pieces(of text: UnsafeBufferPointer<UInt8>, in range: Range<Int>, into out: inout [Range<Int>]) {
        switch kind {
        case .gpt2:
            split(text, range, by: words, into: &out)
        case .digitsThenGPT2:
            var stretches: [Range<Int>] = []
            split(text, range, by: digits, into: &stretches, keepMatchesAlone: true)
            for stretch in stretches {
                if stretch.count == 1 || isSingleNumericCharacter(text, stretch) {
                    out.append(stretch)
                } else {
                    split(text, stretch, by: words, into: &out)
                }
            }
        }
    }

    /// Matches of `pattern` within `range` become pieces; so do the gaps between them.
    private func split(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, by pattern: PCRE2Pattern,
                       into out: inout [Range<Int>], keepMatchesAlone: Bool = false) {
        let slice = UnsafeBufferPointer(rebasing: text[range])
        let matches = (try? pattern.matches(in: slice)) ?? []
        var cursor = 0
        for match in matches where !match.isEmpty {
            if match.lowerBound > cursor { out.append((range.lowerBound + cursor)..<(range.lowerBound + match.lowerBound)) }
            out.append((range.lowerBound + match.lowerBound)..<(range.lowerBound + match.upperBound))
            cursor = match.upperBound
        }
        if cursor < slice.count { out.append((range.lowerBound + cursor)..<range.upperBound) }
    }

    private func isSingleNumericCharacter(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard range.count <= 4 else { return false }
        let slice = UnsafeBufferPointer(rebasing: text[range])
        guard let match = (try? digits.matches(in: slice))?.first else { return false }
        return match == 0..<slice.count
    }
}
