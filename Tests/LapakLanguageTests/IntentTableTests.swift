import Foundation
import LapakLanguage
import LapakRegistry
import Testing

/// The language data as shipped, loaded once.
enum ShippedLanguage {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let taxonomy = try! CategoryTaxonomy.load(from: root.appendingPathComponent("intents/categories.yml"))
    static let matcher = try! IntentMatcher.load(from: root.appendingPathComponent("intents"), taxonomy: taxonomy)
}

/// One row of the table: a message and what it must mean (`intent [category] halal`).
struct Expectation: Sendable, CustomTestStringConvertible {
    let text: String
    let expected: Understanding
    var testDescription: String { "“\(text)” → \(expected)" }
}

/// Phrases as people write them: Indonesian, English, slang, typos, mixed; and ones that must fall back.
let table: [Expectation] = {
    let rows = """
    katering terdekat | find_nearby katering
    nearest catering | find_nearby katering
    ketring | find_nearby katering
    katring murah dkt sini | find_nearby katering
    nasi kotak buat acara | find_nearby katering
    pesan nasi box 50 porsi | find_nearby katering
    cari katering halal | find_nearby katering halal
    catering near me | find_nearby katering
    halal catering nearby | find_nearby katering halal
    ada prasmanan gak | find_nearby katering
    butuh tumpeng utk syukuran | find_nearby katering
    cateringg | find_nearby katering
    jasa boga terdekat | find_nearby katering
    cari bakso dekat sini | find_nearby bakso-mie
    bakso | find_nearby bakso-mie
    baso keliling dmn ya | find_nearby bakso-mie
    mie ayam enak | find_nearby bakso-mie
    mi ayam deket | find_nearby bakso-mie
    pentol | find_nearby bakso-mie
    siomay | find_nearby bakso-mie
    batagor dimana | find_nearby bakso-mie
    meatball soup near me | find_nearby bakso-mie
    noodles nearby | find_nearby bakso-mie
    sate ayam | find_nearby bakso-mie
    gorengan anget | find_nearby bakso-mie
    baksoo | find_nearby bakso-mie
    ada tukang jahit gak dkt sini? | find_nearby jahit
    penjahit terdekat | find_nearby jahit
    tailor nearby | find_nearby jahit
    vermak levis | find_nearby jahit
    permak celana | find_nearby jahit
    penjait | find_nearby jahit
    konveksi seragam | find_nearby jahit
    jahit baju | find_nearby jahit
    where can i find a seamstress | find_nearby jahit
    laundry terdekat | find_nearby laundry
    cuci baju kiloan | find_nearby laundry
    londri | find_nearby laundry
    laundri dekat | find_nearby laundry
    tempat cuci pakaian | find_nearby laundry
    dry cleaning near me | find_nearby laundry
    laundromat | find_nearby laundry
    setrika baju | find_nearby laundry
    tambal ban | find_nearby bengkel
    ban bocor tambal ban dmn | find_nearby bengkel
    bengkel motor terdekat | find_nearby bengkel
    benkel | find_nearby bengkel
    servis motor | find_nearby bengkel
    ganti oli | find_nearby bengkel
    mechanic near me | find_nearby bengkel
    flat tire help | find_nearby bengkel
    potong rambut | find_nearby salon
    pangkas rambut dekat | find_nearby salon
    salon terdekat | find_nearby salon
    barbershop | find_nearby salon
    barber near me | find_nearby salon
    haircut | find_nearby salon
    tukang cukur | find_nearby salon
    rias pengantin | find_nearby salon
    kue ulang tahun | find_nearby kue
    roti terdekat | find_nearby kue
    toko kue | find_nearby kue
    bakery near me | find_nearby kue
    birthday cake | find_nearby kue
    kue basah | find_nearby kue
    jajan pasar | find_nearby kue
    brownies | find_nearby kue
    donat | find_nearby kue
    bolu pandan | find_nearby kue
    kue2 lebaran | find_nearby kue
    es teh | find_nearby minuman
    kedai kopi | find_nearby minuman
    kopi dekat sini | find_nearby minuman
    coffee shop nearby | find_nearby minuman
    jus buah | find_nearby minuman
    es kelapa muda | find_nearby minuman
    boba | find_nearby minuman
    bubble tea | find_nearby minuman
    minuman dingin | find_nearby minuman
    sayur | find_nearby sayur
    tukang sayur keliling | find_nearby sayur
    sayuran segar | find_nearby sayur
    vegetables near me | find_nearby sayur
    buah-buahan | find_nearby sayur
    beli sayur | find_nearby sayur
    bumbu dapur | find_nearby sayur
    ikan segar | find_nearby ikan
    ikan asin | find_nearby ikan
    seafood | find_nearby ikan
    udang | find_nearby ikan
    fresh fish nearby | find_nearby ikan
    amplang khas bontang | find_nearby ikan
    ikan bakar | find_nearby ikan
    cumi | find_nearby ikan
    toko kelontong | find_nearby kelontong
    sembako murah | find_nearby kelontong
    grocery store | find_nearby kelontong
    warung sembako | find_nearby kelontong
    minimarket terdekat | find_nearby kelontong
    servis hp | find_nearby elektronik
    service hp dekat | find_nearby elektronik
    konter pulsa | find_nearby elektronik
    phone repair | find_nearby elektronik
    servis ac | find_nearby elektronik
    elektronik | find_nearby elektronik
    handphone rusak | find_nearby elektronik
    kerajinan tangan | find_nearby kerajinan
    souvenir khas | find_nearby kerajinan
    oleh-oleh | find_nearby kerajinan
    handicrafts | find_nearby kerajinan
    anyaman | find_nearby kerajinan
    batik | find_nearby kerajinan
    bibit tanaman | find_nearby pertanian
    pupuk | find_nearby pertanian
    telur ayam kampung | find_nearby pertanian
    madu asli | find_nearby pertanian
    farm eggs | find_nearby pertanian
    hidroponik | find_nearby pertanian
    fotokopi | find_nearby jasa
    les privat | find_nearby jasa
    percetakan | find_nearby jasa
    photocopy | find_nearby jasa
    rental mobil | find_nearby jasa
    warung makan terdekat | find_nearby warung-makan
    rumah makan | find_nearby warung-makan
    rm padang | find_nearby warung-makan
    warteg | find_nearby warung-makan
    nasi padang | find_nearby warung-makan
    ayam geprek | find_nearby warung-makan
    tempat makan | find_nearby warung-makan
    restaurant nearby | find_nearby warung-makan
    place to eat | find_nearby warung-makan
    warung mkn | find_nearby warung-makan
    penyetan | find_nearby warung-makan
    makan siang dkt sini | find_nearby warung-makan
    makanan halal | find_nearby halal
    yang halal aja | find_nearby halal
    terdekat | find_nearby
    cari usaha terdekat | find_nearby
    ada apa aja di sekitar sini | find_nearby
    nearby | find_nearby
    what is near me | find_nearby
    find shops | find_nearby
    dekat sini ada apa | find_nearby
    /cari katering | find_nearby katering
    daftar | register
    daftarkan usaha saya | register
    mau daftar usaha katering | register katering
    pendaftaran umkm | register
    register my business | register
    sign up | register
    daftr | register
    jualan | checkin
    saya jualan di sini | checkin
    buka lapak | checkin
    lokasi jualan hari ini | checkin
    start selling | checkin
    check in | checkin
    selesai jualan | checkout
    tutup lapak | checkout
    pulang dulu | checkout
    done selling | checkout
    check out | checkout
    usahaku | my_business
    usaha saya | my_business
    toko saya | my_business
    my business | my_business
    my shop | my_business
    batal | cancel
    gak jadi | cancel
    ga jadi deh | cancel
    tidak jadi | cancel
    cancel | cancel
    never mind | cancel
    batalkan | cancel
    berhenti | stop
    stop pengumuman | stop
    jangan kirim lagi | stop
    unsubscribe | stop
    langganan | subscribe
    berlangganan lagi | subscribe
    subscribe | subscribe
    umumkan | broadcast
    kirim pengumuman | broadcast
    broadcast | broadcast
    statistik | stats
    stats | stats
    ganti bahasa | language
    english please | language
    bahasa indonesia | language
    halo | greeting
    hai | greeting
    hallo | greeting
    assalamualaikum | greeting
    selamat pagi | greeting
    hello | greeting
    hi there | greeting
    good morning | greeting
    mulai | start
    start | start
    bantuan | help
    tolong | help
    help | help
    how does this work | help
    what can you do | help
    cara pakai | help
    gimana caranya | help
    menu | help
    tlg | help
    hehe | fallback
    ok | fallback
    terima kasih | thanks
    makasih ya | thanks
    thanks | thanks
    thank you so much | thanks
    makasih banyak ya | thanks
    🍜 | find_nearby bakso-mie
    ☕ | find_nearby minuman
    🧋 | find_nearby minuman
    🍰 | find_nearby kue
    ada 🍜 dekat sini | find_nearby bakso-mie
    fotokopi dekat sini | find_nearby jasa
    sablon kaos | find_nearby jahit
    les privat | find_nearby jasa
    servis ac | find_nearby elektronik
    ac repair near me | find_nearby elektronik
    asdfgh | fallback
    👍 | fallback
    123 | fallback
    ke pasar | fallback
    siapa kamu | fallback
    cuaca hari ini | fallback
    di | fallback
    ya | fallback
    wkwkwk | fallback
    mantap | fallback
    """
    return rows.split(separator: "\n").map { line in
        let parts = line.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        let meaning = parts[1].split(separator: " ").map(String.init)
        let category = meaning.dropFirst().first { $0 != "halal" }
        return Expectation(text: parts[0], expected: Understanding(intent: Intent(rawValue: meaning[0])!, category: category,
                                                                halalOnly: meaning.contains("halal")))
    }
}()

@Suite("Intent matching")
struct IntentTableTests {
    @Test("Each phrase of the table means what it should", arguments: table)
    func phrase(_ row: Expectation) {
        let text = row.text.hasPrefix("/cari ") ? String(row.text.dropFirst(6)) + " terdekat" : row.text
        #expect(ShippedLanguage.matcher.understand(text) == row.expected)
    }

    @Test("The table is large and precision on it is reported")
    func precision() {
        #expect(table.count >= 200)
        let correct = table.filter { row in
            let text = row.text.hasPrefix("/cari ") ? String(row.text.dropFirst(6)) + " terdekat" : row.text
            return ShippedLanguage.matcher.understand(text) == row.expected
        }.count
        for row in table {
            let text = row.text.hasPrefix("/cari ") ? String(row.text.dropFirst(6)) + " terdekat" : row.text
            let got = ShippedLanguage.matcher.understand(text)
            if got != row.expected { print("MISMATCH “\(row.text)”: got \(got), expected \(row.expected)") }
        }
        let fallbacks = table.filter { $0.expected.intent == .fallback }
        let falsePositives = fallbacks.filter { ShippedLanguage.matcher.understand($0.text).intent != .fallback }.count
        print("Intent table: \(correct)/\(table.count) correct (\(String(format: "%.1f", 100.0 * Double(correct) / Double(table.count))) %), \(falsePositives)/\(fallbacks.count) false positives on fallback phrases")
        #expect(Double(correct) / Double(table.count) >= 0.95)
    }
}

@Suite("Text normalisation and typo tolerance")
struct NormalisationTests {
    @Test("Case, accents, punctuation and emoji are folded; slang is expanded")
    func normalise() {
        let words = TextNormalizer(slang: ["dkt": "dekat", "yg": "yang"]).words("Ada YG jual KUE dkt sini?? 🍰🙏 Café")
        #expect(words == ["ada", "yang", "jual", "kue", "dekat", "sini", "cafe"])
    }

    @Test("Damerau-Levenshtein counts a swap of neighbours as one edit", arguments: [
        ("katering", "ketring", 2), ("laundry", "laundri", 1), ("jahit", "jhait", 1), ("bakso", "baso", 1), ("kue", "kue", 0), ("ab", "ba", 1),
    ])
    func distance(a: String, b: String, expected: Int) {
        #expect(EditDistance.damerauLevenshtein(a, b, limit: 5) == expected)
    }

    @Test("Short words must match exactly; 3-5 letters allow one typo; 6+ two", arguments: [
        ("es", "ek", false), ("kue", "kua", true), ("kue", "ke", false), ("bakso", "bkaso", true), ("bakso", "bks", false),
        ("katering", "ktring", true), ("laundry", "lndry", false),
    ])
    func policy(typed: String, known: String, matches: Bool) {
        #expect(EditDistance.matches(typed, known) == matches)
    }
}
