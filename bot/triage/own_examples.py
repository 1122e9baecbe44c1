"""Short posts written for Rejoinder, to teach what the public sets lack.

The licence-clean public sets (banking77, NLU++) are almost all requests to
a bank or hotel: they teach what needs an answer, but hardly what does not.
These templates add posts to brands that need no answer (praise, thanks,
news, chatter) and tweet-style complaints, across many industries. They
are combined slot by slot, with a fixed seed, so the set is reproducible.
"""
from __future__ import annotations

import random

BRANDS = ["@acme", "@northair", "@telco", "@shopmart", "@quickeats", "@bankly", "@gamehub", "@cloudapp",
          "@motorco", "@stayinn", "@powergrid", "@streamtv", "@fitgym", "@pharmaplus", "@rideshare"]
THINGS = ["flight", "order", "phone", "internet", "delivery", "account", "app", "car", "room", "bill",
          "subscription", "package", "card", "game", "stream", "meal", "update", "membership", "ride", "plan"]

NO_ANSWER = [
    "thank you {b} for the amazing {t}, you made my day",
    "shoutout to {b}, best {t} I've had in years",
    "just got my {t} from {b} and I love it",
    "{b} you guys rock! the new {t} is great",
    "had a lovely time today thanks to {b}",
    "big thanks to the {b} team, super helpful as always",
    "{b} is the best, never change",
    "loving the new {t} from {b} so far",
    "wow {b} that was quick, thanks!",
    "{b} thanks, all sorted now!",
    "great service from {b} today, thank you",
    "{b} you are awesome, thanks for the help earlier",
    "kudos to {b} for the smooth {t}",
    "{b} perfect, thanks so much",
    "just landed, great crew on the {b} {t} tonight",
    "my {t} arrived early, nice one {b}",
    "can't wait for the weekend, off to see family",
    "watching the game tonight with friends",
    "{b} happy friday everyone",
    "good morning from the office, coffee time",
    "look at this sunset from my window",
    "{b} congrats on the anniversary!",
    "this song has been stuck in my head all day",
    "{b} love the new ad lol",
    "{b} ha, that's brilliant",
    "new blog post about my trip is up",
    "{b} just announced a new {t}, looks interesting",
    "reading about the {b} merger in the news",
    "{b} see you next week",
    "{b} thanks for the follow",
    "{b} much appreciated, have a good one",
    "{b} you made it so easy, cheers",
    "{b} no worries, it was a great {t} anyway",
    "{b} thanks for getting back to me so fast",
    "five stars for {b}, would recommend",
    "first time trying {b} and it was great",
    "{b} the staff were friendly and kind",
    "{b} yes it works now, thank you!",
    "ok great, thanks {b}",
    "{b} lol same",
    "lovely walk along the river today",
    "beautiful morning for a run in the park",
    "what a game last night, still buzzing",
    "finally finished my book, great ending",
    "dinner with the family, so nice",
    "new haircut, feeling fresh",
    "the {t} from {b} is on my wishlist",
    "spent the afternoon gardening, tired but happy",
    "road trip this weekend with the kids",
    "my dog loves the snow",
    "nice chat with {b} at the fair today",
    "{b} throwback to last summer, good times",
    "sunday brunch is the best brunch",
    "listening to the new album on repeat",
    "{b} proud to be a customer for ten years",
    "{b} announces a new {t} for spring https://news.example/a1",
    "Read: {b} CEO on the future of the {t} https://t.example/xyz",
    "{b} shares up 5% after strong quarterly results",
    "#business {b} to open 20 new stores in #Texas this year",
    "interesting article on how {b} built its {t} http://blog.example/post",
    "{b} named one of the best places to work, via @newsdesk",
    "{b} and @partnerco team up on a new {t}",
    "watching the {b} keynote live now #tech",
    "RT @dailynews: {b} expands service to three new cities",
    "{b} sponsoring the marathon this weekend, nice",
]

COMPLAINT = [
    "{b} my {t} is still not here, this is ridiculous",
    "{b} worst {t} ever, never again",
    "{b} been on hold for an hour, terrible service",
    "{b} you cancelled my {t} without telling me",
    "{b} delayed again, third time this week",
    "{b} my {t} is broken and nobody is helping",
    "{b} you charged me twice for my {t}",
    "{b} still waiting for my refund, it's been weeks",
    "{b} your {t} keeps crashing, so frustrating",
    "{b} the {t} was cold and late, not happy",
    "{b} lost my {t} and no one can tell me where it is",
    "{b} absolutely awful experience with my {t}",
    "{b} why is my {t} not working again",
    "{b} I want my money back, this {t} is useless",
    "{b} rude staff and a dirty {t}, disappointed",
    "{b} your app won't let me log in",
    "{b} thanks for nothing, my {t} never arrived",
    "{b} great, another delay. just great",
    "{b} still no {t}, hello??",
    "{b} fix your {t} please it's been down all day",
]

ASK = [
    "{b} how do I change my {t}?",
    "{b} when will my {t} arrive?",
    "{b} can someone help me with my {t}",
    "{b} is there a way to cancel my {t}",
    "{b} please DM me about my {t}",
    "{b} need help with my {t} asap",
    "{b} what time does the {t} start",
    "{b} do you ship to canada",
    "{b} I'd like to buy the new {t}, is it in stock?",
    "{b} how much is the premium {t}",
    "{b} want to upgrade my {t}, who do I talk to",
    "{b} looking to order 20 for our office, any discount?",
    "{b} where can I get the {t}",
    "{b} any update on my {t}",
    "{b} can you check my {t} status please",
    "{b} please include the tracking number in your reply",
    "{b} can you put the case number in your response",
    "{b} I followed your instructions but the {t} still fails",
    "{b} your instructions for the {t} make no sense",
    "{b} thanks for the prompt reply, but it's still broken",
    "{b} please answer as soon as you can",
    "{b} where is my order?",
    "{b} I want to buy three of these",
    "{b} I'd like to buy the {t} for my dad, is it in stock?",
    "{b} where can I buy the new {t}",
    "{b} is the {t} on sale this week? how much is it",
    "{b} do you have a student discount on the {t}",
    "{b} my order still hasn't shipped, any news?",
    "{b} ignore my last message, the {t} turned up",
]


def examples(seed: int = 7, per_template: int = 6) -> list[dict]:
    """{'text', 'needs_response', 'intent'} rows; intent is praise/chatter,
    complaint, question, request or purchase."""
    rng = random.Random(seed)
    rows = []
    for templates, needs in ((NO_ANSWER, False), (COMPLAINT, True), (ASK, True)):
        for template in templates:
            for _ in range(per_template):
                text = template.format(b=rng.choice(BRANDS), t=rng.choice(THINGS))
                if rng.random() < 0.3:
                    text = text.capitalize()
                rows.append({"text": text, "needs_response": needs, "intent": _intent(text, templates)})
    return rows


_BUY = ("buy", "looking to order", "upgrade", "how much", "discount", "in stock", "ship to", "get the")


def _intent(text: str, templates: list[str]) -> str:
    if templates is NO_ANSWER:
        return "praise" if any(w in text.lower() for w in ("thank", "love", "great", "best", "awesome", "kudos", "star")) else "chatter"
    if templates is COMPLAINT:
        return "complaint"
    low = text.lower()
    if any(w in low for w in _BUY):
        return "purchase"
    return "question" if "?" in text or low.split(" ", 1)[-1].startswith(("how", "when", "what", "where", "is ", "can", "do ")) else "request"
