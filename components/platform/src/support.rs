//! The support bot's keyword rules: for each topic a few keywords and a reply
//! about DMS. The worker's support bot sends a matching rule's reply, and
//! `POST /api/chat/assist` offers it to an admin as a suggested reply.
//!
//! Keywords match whole words regardless of case: `hi` matches "Hi!" but not
//! "this". A keyword of several words matches those words in a row, so
//! `over consumption` matches "over-consumption" and "Over consumption".

/// The subject of a support rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Greetings,
    Help,
    Billing,
    Devices,
    Consumption,
    Alerts,
    Account,
    Thanks,
    Goodbye,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Greetings => "greetings",
            Topic::Help => "help",
            Topic::Billing => "billing",
            Topic::Devices => "devices",
            Topic::Consumption => "consumption",
            Topic::Alerts => "alerts",
            Topic::Account => "account",
            Topic::Thanks => "thanks",
            Topic::Goodbye => "goodbye",
        }
    }
}

/// One keyword rule: its topic, the lowercase keywords that select it and the
/// reply sent for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub topic: Topic,
    pub keywords: &'static [&'static str],
    pub reply: &'static str,
}

/// The rules in priority order: [`match_rule`] returns the first rule with a
/// matching keyword. Specific subjects come before general help, and
/// pleasantries come last, so "Hi, my bill is wrong" gets the billing reply and
/// "Thanks, bye" gets the goodbye.
#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    Rule {
        topic: Topic::Alerts,
        keywords: &[
            "alert", "alerts", "alarm", "notification", "notifications", "warning", "warnings",
            "limit", "limits", "over limit", "above limit", "exceeded", "overconsumption",
            "over consumption",
        ],
        reply: "An over-consumption alert is raised when a device uses more energy in one \
                 hour (UTC) than its hourly limit in kWh, at most once per device and hour. \
                 You see alerts as they happen and on the Alerts page, where you can \
                 acknowledge them. If a device's limit does not suit your home, ask an \
                 administrator to change it.",
    },
    Rule {
        topic: Topic::Consumption,
        keywords: &[
            "consumption", "usage", "kwh", "energy", "electricity", "reading",
            "readings", "chart", "graph", "hourly", "daily", "how much",
        ],
        reply: "Open a device on the My devices page to see its consumption for one day, \
                 hour by hour in kWh, in your time zone. Use the arrows or the date field \
                 to pick another day. Hours above the device's hourly limit are marked.",
    },
    Rule {
        topic: Topic::Billing,
        keywords: &[
            "bill", "bills", "billing", "invoice", "invoices", "payment", "payments", "pay",
            "paid", "charge", "charged", "price", "prices", "tariff", "tariffs", "cost",
            "costs", "refund",
        ],
        reply: "DMS shows the energy your devices used, in kWh per hour and per day, which \
                 is what your bill is based on. For questions about invoices, tariffs or \
                 payments, an administrator who can see your account will answer in this \
                 chat.",
    },
    Rule {
        topic: Topic::Devices,
        keywords: &[
            "device", "devices", "meter", "meters", "smart meter", "sensor", "sensors",
            "gateway", "install", "installed", "installation", "offline",
        ],
        reply: "Your metering devices are listed on the My devices page. An administrator \
                 adds devices and assigns them to your account. If a device is missing or \
                 shows the wrong name or location, tell us its name and where it is \
                 installed, and an administrator will correct it.",
    },
    Rule {
        topic: Topic::Account,
        keywords: &[
            "account", "password", "email", "e mail", "username", "login", "log in", "sign in",
            "signin", "profile", "timezone", "time zone", "locked",
        ],
        reply: "On the Profile page you can change your email address, your time zone and \
                 your password. After five failed sign-ins in a row, wait up to 15 minutes \
                 before you try again. If you cannot sign in, an administrator can set a \
                 new password for you.",
    },
    Rule {
        topic: Topic::Help,
        keywords: &[
            "help", "support", "assist", "assistance", "question", "questions", "problem",
            "issue", "how do i", "how can i",
        ],
        reply: "I can help with your devices, your energy consumption, over-consumption \
                 alerts, billing questions and your account. Tell me what you need in a \
                 sentence or two. If I cannot answer, an administrator will join this chat.",
    },
    Rule {
        topic: Topic::Goodbye,
        keywords: &["bye", "goodbye", "good bye", "bye bye", "see you", "farewell"],
        reply: "Goodbye! You can close this chat now, and start a new one whenever you need \
                 help.",
    },
    Rule {
        topic: Topic::Thanks,
        keywords: &["thanks", "thank you", "thx", "ty", "cheers", "appreciate", "appreciated"],
        reply: "You're welcome! Is there anything else I can help you with?",
    },
    Rule {
        topic: Topic::Greetings,
        keywords: &[
            "hi", "hello", "hey", "hiya", "greetings", "good morning", "good afternoon",
            "good evening",
        ],
        reply: "Hello! I'm the DMS support assistant. I can help with your devices, your \
                 consumption, alerts, billing and your account. What do you need?",
    },
];

/// Returns the first rule in [`RULES`] order with a keyword that occurs in `text`
/// as whole words, ignoring case, or `None` when no keyword occurs.
pub fn match_rule(text: &str) -> Option<&'static Rule> {
    let words = words(text);
    RULES.iter().find(|rule| {
        rule.keywords
            .iter()
            .any(|keyword| contains_phrase(&words, keyword))
    })
}

/// Splits text into lowercase words at every character that is not a letter or
/// a digit, so punctuation, hyphens and apostrophes separate words.
fn words(text: &str) -> Vec<String> {
    text.split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn contains_phrase(words: &[String], keyword: &str) -> bool {
    let phrase: Vec<&str> = keyword.split(' ').collect();
    words
        .windows(phrase.len())
        .any(|window| window.iter().zip(&phrase).all(|(word, part)| word == part))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn topic_of(text: &str) -> Option<Topic> {
        match_rule(text).map(|rule| rule.topic)
    }

    #[test]
    fn matches_whole_words_ignoring_case() {
        assert_eq!(topic_of("Hi!"), Some(Topic::Greetings));
        assert_eq!(topic_of("HELLO there"), Some(Topic::Greetings));
        assert_eq!(topic_of("this"), None, "hi inside a word");
        assert_eq!(topic_of("shipping"), None, "hi inside a word");
        assert_eq!(topic_of("ability"), None, "bill inside a word");
    }

    #[test]
    fn matches_phrases_across_punctuation() {
        assert_eq!(topic_of("Thank you!"), Some(Topic::Thanks));
        assert_eq!(
            topic_of("I got an over-consumption warning"),
            Some(Topic::Alerts)
        );
        assert_eq!(topic_of("I can't log-in"), Some(Topic::Account));
        assert_eq!(topic_of("how much did I use?"), Some(Topic::Consumption));
        assert_eq!(topic_of("thank"), None, "half of a phrase");
    }

    #[test]
    fn specific_topics_win_over_pleasantries() {
        assert_eq!(topic_of("Hi, my bill is wrong"), Some(Topic::Billing));
        assert_eq!(
            topic_of("Hello, I need help with my password"),
            Some(Topic::Account)
        );
        assert_eq!(topic_of("help, my meter is offline"), Some(Topic::Devices));
        assert_eq!(topic_of("Thanks, bye"), Some(Topic::Goodbye));
        assert_eq!(topic_of("hey, thanks"), Some(Topic::Thanks));
    }

    #[test]
    fn alerts_win_over_consumption() {
        assert_eq!(
            topic_of("why did my energy usage raise an alert?"),
            Some(Topic::Alerts)
        );
    }

    #[test]
    fn matches_non_ascii_text() {
        assert_eq!(topic_of("Héllo, ça va? HELP"), Some(Topic::Help));
        assert_eq!(topic_of("Zählerstand"), None);
    }

    #[test]
    fn no_match_without_keywords() {
        assert_eq!(topic_of(""), None);
        assert_eq!(topic_of("   "), None);
        assert_eq!(topic_of("the weather is nice"), None);
    }

    #[test]
    fn every_topic_has_one_rule() {
        let topics: HashSet<Topic> = RULES.iter().map(|rule| rule.topic).collect();
        assert_eq!(topics.len(), RULES.len(), "a topic appears twice");
        assert_eq!(topics.len(), 9);
    }

    #[test]
    fn every_keyword_selects_its_own_rule() {
        let mut seen = HashSet::new();
        for rule in RULES {
            assert!(
                rule.keywords.len() >= 3,
                "{:?} has too few keywords",
                rule.topic
            );
            assert!(
                !rule.reply.trim().is_empty(),
                "{:?} has no reply",
                rule.topic
            );
            for keyword in rule.keywords {
                assert!(seen.insert(*keyword), "keyword {keyword:?} is in two rules");
                assert_eq!(
                    keyword.to_lowercase(),
                    *keyword,
                    "keyword {keyword:?} is not lowercase"
                );
                assert_eq!(topic_of(keyword), Some(rule.topic), "keyword {keyword:?}");
            }
        }
    }

    #[test]
    fn replies_fit_a_chat_message() {
        for rule in RULES {
            let length = rule.reply.chars().count();
            assert!(
                (1..=4000).contains(&length),
                "{:?} reply is {length} characters",
                rule.topic
            );
            assert!(
                !rule.reply.contains("  "),
                "{:?} reply has a double space",
                rule.topic
            );
        }
    }
}
