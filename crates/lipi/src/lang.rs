//! One table of languages: the code users type (ISO 639-1, or 639-3 where no two-letter code
//! exists), the ISO 639-2/B tag written into media containers, the English name, whether
//! Whisper knows the language, its FLORES-200 code (NLLB, IndicTrans2) and whether it is one
//! of the 22 languages of the Eighth Schedule of the Constitution of India.

/// One language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Language {
    /// What users type and what file names carry: `hi`, `en`, `mai`.
    pub code: &'static str,
    /// ISO 639-2 bibliographic code, as Matroska and MP4 expect: `hin`, `ger`.
    pub iso639_2: &'static str,
    pub name: &'static str,
    /// Whisper recognises and detects this language.
    pub whisper: bool,
    /// FLORES-200 code with script, as NLLB-200 and IndicTrans2 name it.
    pub flores: &'static str,
    /// One of the 22 scheduled languages of India.
    pub scheduled_indian: bool,
}

macro_rules! langs {
    ($( $code:literal $iso2:literal $name:literal $w:literal $flores:literal $ind:literal ;)*) => {
        /// Every language lipi knows, Whisper's 100 first (in Whisper's own order), then the
        /// scheduled Indian languages Whisper lacks.
        pub static LANGUAGES: &[Language] = &[
            $( Language { code: $code, iso639_2: $iso2, name: $name, whisper: $w, flores: $flores, scheduled_indian: $ind }, )*
        ];
    };
}

langs! {
    "en" "eng" "English" true "eng_Latn" false;
    "zh" "chi" "Chinese" true "zho_Hans" false;
    "de" "ger" "German" true "deu_Latn" false;
    "es" "spa" "Spanish" true "spa_Latn" false;
    "ru" "rus" "Russian" true "rus_Cyrl" false;
    "ko" "kor" "Korean" true "kor_Hang" false;
    "fr" "fre" "French" true "fra_Latn" false;
    "ja" "jpn" "Japanese" true "jpn_Jpan" false;
    "pt" "por" "Portuguese" true "por_Latn" false;
    "tr" "tur" "Turkish" true "tur_Latn" false;
    "pl" "pol" "Polish" true "pol_Latn" false;
    "ca" "cat" "Catalan" true "cat_Latn" false;
    "nl" "dut" "Dutch" true "nld_Latn" false;
    "ar" "ara" "Arabic" true "arb_Arab" false;
    "sv" "swe" "Swedish" true "swe_Latn" false;
    "it" "ita" "Italian" true "ita_Latn" false;
    "id" "ind" "Indonesian" true "ind_Latn" false;
    "hi" "hin" "Hindi" true "hin_Deva" true;
    "fi" "fin" "Finnish" true "fin_Latn" false;
    "vi" "vie" "Vietnamese" true "vie_Latn" false;
    "he" "heb" "Hebrew" true "heb_Hebr" false;
    "uk" "ukr" "Ukrainian" true "ukr_Cyrl" false;
    "el" "gre" "Greek" true "ell_Grek" false;
    "ms" "may" "Malay" true "zsm_Latn" false;
    "cs" "cze" "Czech" true "ces_Latn" false;
    "ro" "rum" "Romanian" true "ron_Latn" false;
    "da" "dan" "Danish" true "dan_Latn" false;
    "hu" "hun" "Hungarian" true "hun_Latn" false;
    "ta" "tam" "Tamil" true "tam_Taml" true;
    "no" "nor" "Norwegian" true "nob_Latn" false;
    "th" "tha" "Thai" true "tha_Thai" false;
    "ur" "urd" "Urdu" true "urd_Arab" true;
    "hr" "hrv" "Croatian" true "hrv_Latn" false;
    "bg" "bul" "Bulgarian" true "bul_Cyrl" false;
    "lt" "lit" "Lithuanian" true "lit_Latn" false;
    "la" "lat" "Latin" true "lat_Latn" false;
    "mi" "mao" "Maori" true "mri_Latn" false;
    "ml" "mal" "Malayalam" true "mal_Mlym" true;
    "cy" "wel" "Welsh" true "cym_Latn" false;
    "sk" "slo" "Slovak" true "slk_Latn" false;
    "te" "tel" "Telugu" true "tel_Telu" true;
    "fa" "per" "Persian" true "pes_Arab" false;
    "lv" "lav" "Latvian" true "lvs_Latn" false;
    "bn" "ben" "Bengali" true "ben_Beng" true;
    "sr" "srp" "Serbian" true "srp_Cyrl" false;
    "az" "aze" "Azerbaijani" true "azj_Latn" false;
    "sl" "slv" "Slovenian" true "slv_Latn" false;
    "kn" "kan" "Kannada" true "kan_Knda" true;
    "et" "est" "Estonian" true "est_Latn" false;
    "mk" "mac" "Macedonian" true "mkd_Cyrl" false;
    "br" "bre" "Breton" true "bre_Latn" false;
    "eu" "baq" "Basque" true "eus_Latn" false;
    "is" "ice" "Icelandic" true "isl_Latn" false;
    "hy" "arm" "Armenian" true "hye_Armn" false;
    "ne" "nep" "Nepali" true "npi_Deva" true;
    "mn" "mon" "Mongolian" true "khk_Cyrl" false;
    "bs" "bos" "Bosnian" true "bos_Latn" false;
    "kk" "kaz" "Kazakh" true "kaz_Cyrl" false;
    "sq" "alb" "Albanian" true "als_Latn" false;
    "sw" "swa" "Swahili" true "swh_Latn" false;
    "gl" "glg" "Galician" true "glg_Latn" false;
    "mr" "mar" "Marathi" true "mar_Deva" true;
    "pa" "pan" "Punjabi" true "pan_Guru" true;
    "si" "sin" "Sinhala" true "sin_Sinh" false;
    "km" "khm" "Khmer" true "khm_Khmr" false;
    "sn" "sna" "Shona" true "sna_Latn" false;
    "yo" "yor" "Yoruba" true "yor_Latn" false;
    "so" "som" "Somali" true "som_Latn" false;
    "af" "afr" "Afrikaans" true "afr_Latn" false;
    "oc" "oci" "Occitan" true "oci_Latn" false;
    "ka" "geo" "Georgian" true "kat_Geor" false;
    "be" "bel" "Belarusian" true "bel_Cyrl" false;
    "tg" "tgk" "Tajik" true "tgk_Cyrl" false;
    "sd" "snd" "Sindhi" true "snd_Arab" true;
    "gu" "guj" "Gujarati" true "guj_Gujr" true;
    "am" "amh" "Amharic" true "amh_Ethi" false;
    "yi" "yid" "Yiddish" true "ydd_Hebr" false;
    "lo" "lao" "Lao" true "lao_Laoo" false;
    "uz" "uzb" "Uzbek" true "uzn_Latn" false;
    "fo" "fao" "Faroese" true "fao_Latn" false;
    "ht" "hat" "Haitian Creole" true "hat_Latn" false;
    "ps" "pus" "Pashto" true "pbt_Arab" false;
    "tk" "tuk" "Turkmen" true "tuk_Latn" false;
    "nn" "nno" "Norwegian Nynorsk" true "nno_Latn" false;
    "mt" "mlt" "Maltese" true "mlt_Latn" false;
    "sa" "san" "Sanskrit" true "san_Deva" true;
    "lb" "ltz" "Luxembourgish" true "ltz_Latn" false;
    "my" "bur" "Burmese" true "mya_Mymr" false;
    "bo" "tib" "Tibetan" true "bod_Tibt" false;
    "tl" "tgl" "Tagalog" true "tgl_Latn" false;
    "mg" "mlg" "Malagasy" true "plt_Latn" false;
    "as" "asm" "Assamese" true "asm_Beng" true;
    "tt" "tat" "Tatar" true "tat_Cyrl" false;
    "haw" "haw" "Hawaiian" true "" false;
    "ln" "lin" "Lingala" true "lin_Latn" false;
    "ha" "hau" "Hausa" true "hau_Latn" false;
    "ba" "bak" "Bashkir" true "bak_Cyrl" false;
    "jw" "jav" "Javanese" true "jav_Latn" false;
    "su" "sun" "Sundanese" true "sun_Latn" false;
    "yue" "chi" "Cantonese" true "yue_Hant" false;
    "or" "ori" "Odia" false "ory_Orya" true;
    "ks" "kas" "Kashmiri" false "kas_Arab" true;
    "kok" "kok" "Konkani" false "gom_Deva" true;
    "mai" "mai" "Maithili" false "mai_Deva" true;
    "mni" "mni" "Manipuri" false "mni_Beng" true;
    "brx" "sit" "Bodo" false "brx_Deva" true;
    "doi" "doi" "Dogri" false "doi_Deva" true;
    "sat" "sat" "Santali" false "sat_Olck" true;
}

/// Other spellings users type for the same language.
const ALIASES: &[(&str, &str)] = &[
    ("jv", "jw"),
    ("iw", "he"),
    ("nb", "no"),
    ("fil", "tl"),
    ("mni-mtei", "mni"),
    ("gom", "kok"),
];

/// Finds a language by code (any case), ISO 639-2 code, or English name.
pub fn lookup(query: &str) -> Option<&'static Language> {
    let q = query.trim().to_ascii_lowercase();
    let q = ALIASES
        .iter()
        .find(|(a, _)| *a == q)
        .map(|(_, c)| (*c).to_owned())
        .unwrap_or(q);
    LANGUAGES
        .iter()
        .find(|l| l.code == q)
        .or_else(|| LANGUAGES.iter().find(|l| l.iso639_2 == q))
        .or_else(|| LANGUAGES.iter().find(|l| l.name.eq_ignore_ascii_case(&q)))
}

/// The error for an unknown code, with the closest known codes as suggestions.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown language `{query}`")]
pub struct UnknownLanguage {
    pub query: String,
}

pub fn require(query: &str) -> Result<&'static Language, UnknownLanguage> {
    lookup(query).ok_or_else(|| UnknownLanguage {
        query: query.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whisper_has_one_hundred_languages() {
        assert_eq!(LANGUAGES.iter().filter(|l| l.whisper).count(), 100);
    }

    #[test]
    fn twenty_two_scheduled_languages() {
        assert_eq!(LANGUAGES.iter().filter(|l| l.scheduled_indian).count(), 22);
    }

    #[test]
    fn codes_are_unique_and_tags_three_letters() {
        let mut seen = std::collections::HashSet::new();
        for l in LANGUAGES {
            assert!(seen.insert(l.code), "duplicate {}", l.code);
            assert_eq!(l.iso639_2.len(), 3, "{}", l.code);
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(lookup("EN").unwrap().iso639_2, "eng");
        assert_eq!(lookup("spa").unwrap().code, "es");
        assert_eq!(lookup("hindi").unwrap().code, "hi");
        assert_eq!(lookup("jv").unwrap().code, "jw");
        assert!(lookup("xx").is_none());
    }
}
