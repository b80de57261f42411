import Kernels
import Tokenization

/// Encoding speed on generated English-like text (a fixed word list in seeded random order, with
/// punctuation, numbers and line breaks), measured on a fresh tokenizer so the word cache starts empty.
public enum TokenizerBenchmark {
    public struct Result {
        public var bytes: Int, tokens: Int, seconds: Double
        public var megabytesPerSecond: Double { Double(bytes) / 1e6 / seconds }
        public var tokensPerSecond: Double { Double(tokens) / seconds }
    }

    static let words = """
    the of and to in a is that for it as was with be by on not he this are or his from at which but have an they \
    you were her she there been one all we their has would when if so no what up out more about into than them can \
    only other new some could time these two may then do first any my now such like our over man me even most made \
    after also did many before must through back years where much your way well down should because each just those \
    people how too little state good very make world still own see men work long get here between both life being \
    under never day same another know while last might us great old year off come since against go came right used \
    take three problem answer total number apples hours minutes students dollars price each half twice percent
    """.split(separator: " ").map(String.init)

    public static func englishLikeText(bytes: Int, seed: UInt64 = 1) -> String {
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var out = ""
        out.reserveCapacity(bytes + 64)
        var sentence = 0
        while out.utf8.count < bytes {
            var word = words[next(words.count)]
            if sentence == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
            out += word
            sentence += 1
            switch next(20) {
            case 0: out += ", "
            case 1: out += " \(next(10_000)) "
            case 2 where sentence > 6: out += ". "; sentence = 0
            case 3 where sentence > 6: out += ".\n\n"; sentence = 0
            default: out += " "
            }
        }
        return out
    }

    public static func measure(_ tokenizer: BPETokenizer, text: String) -> Result {
        let bytes = text.utf8.count
        let start = Profiler.now()
        let ids = tokenizer.encode(text)
        return Result(bytes: bytes, tokens: ids.count, seconds: Profiler.now() - start)
    }
}
