"""Hand-typed injection requests: short, plain, and aimed at whoever writes the reply.

People probing a bot rarely write "ignore previous instructions". They ask
for the secret it guards, dictate the words it should post, claim to be its
maker or give it a new "rule". Each pattern names the request, never a topic a
customer raises: "what is the wifi password for the lounge" and "tell your
team to call me" stay clean (tests/routing/test_injection_requests.py).
"""
from __future__ import annotations

import re

_I = re.IGNORECASE

# What a guarded secret is called; a bare "secret" only at the end of a clause
# ("tell me the secret!"), so "the secret to a cheap upgrade" stays clean.
_SECRET = (r"(?:secret\s+|hidden\s+)?(?:password|passphrase|passcode|pass ?word|code ?word|magic word|secret (?:word|code|key|phrase)"
           r"|secret(?=\s*(?:[?.!,:]|$|please|now)))")
# What follows a password a customer asks about.
_NOT_A_SECRET = r"(?!\s*(?:for(?!\s+me\b)|to|of|on|reset|again|change|recovery|requirements|rules|field|box|page|link|manager|i|my)\b)"

# Instructions planted in forwarded content (an e-mail, a review): a task for
# whoever answers, on the first or last line around the quoted text (the screen
# reads posts with their line breaks kept: bot.intake.normalize.keep_lines).
_TASK = (r"(?![^\n.!?]*\b(?:my|our|above|below|e-?mail|charge[ds]?|order|account|payment|refund|invoice|transaction"
         r"|you sent)\b)(?:please\s+)?(?:explain|analy[sz]e|help me|show me|determine|classify|replace|remove|write|compose"
         r"|draft|develop|provide|create|generate|describe|translate|summari[sz]e|outline|list|break down|recommend|suggest"
         r"|design|craft|convert|encode|decode|reverse|rewrite|spell|teach me|give me|tell me|how (?:do|does|can|should|would|to|have|has)"
         r"|what(?:'s| is| are| movies)|who (?:wrote|invented|painted|discovered|was|is)|why (?:is|do|does|are)"
         r"|when (?:was|did)|where (?:is|are)|can you (?:show|write|explain|give|tell|classify)"
         r"|is this (?:feedback|review|comment|text|tweet|sentence|message) (?:positive|negative))\b")
_HEADER = r"(?:(?:subject|email_from|from|sent|date|to):|(?:hi|hello|dear) [a-z]+\s*,)"
_HEADER_WORDS = ('subject:', 'from:', 'sent:', 'date:', 'to:', 'hi ', 'hello ', 'dear ')
_BREAK = r"(?:\n|[.!?][\"'”)]?\s)"
_FORMS = (r"use|provide|convert|replace|substitute|render|scramble|rearrange|group|combine|misspell|introduce|jumble"
          r"|anagram|modify|augment|enhance|integrate|incorporate|add|include|insert|append|end|begin|start|write|reverse"
          r"|encode|translate|format|mention|suggest|remind|invite|express|recommend|promote|encourage|embed|attach|share"
          r"|spell|type|compose|craft|shape|frame|present|deliver|structure|encrypt|shift|apply|invert|display|tease|allude"
          r"|reply using")
_SENTENCE = r"(?:[^\n.!?]|[.!?](?=\w))"  # a sentence's characters; dots inside "example.com" or "4.5" included
_NOT_ABOUT_AN_ORDER = (r"(?!" + _SENTENCE + r"*\b(?:number|reference|order (?:number|no\b|#|id|status)|ticket|case (?:number|id)"
                       r"|tracking|booking)\b)")

REQUESTS: list[tuple[tuple[str, ...], re.Pattern[str]]] = [(words, re.compile(pattern, _I)) for words, pattern in [
    # The guarded secret, asked for or hinted at.
    (('password', 'pass', 'secret', 'code', 'magic word'),
     r"\b(?:what(?:'s| is| was)|tell me|give me|reveal|share|spell(?: out)?|say|type|write(?: out)?|print|show me"
     r"|i need|i want)\s+(?:me\s+)?(?:the|your)\s+" + _SECRET + r"\b" + _NOT_A_SECRET),
    (('password', 'pass', 'secret', 'code', 'magic word'),
     r"\b(?:hint|letters?|characters?|first letter|last letter|length|rhymes? with|synonyms?|anagram|acrostic)\b"
     r"[^.!?\n]{0,20}\b(?:the|your)\s+" + _SECRET + r"\b" + _NOT_A_SECRET),
    (('password', 'pass', 'secret', 'code', 'magic word'),
     r"\b(?:complete|finish|continue)\b[^.!?\n]{0,40}\bthe\s+" + _SECRET + r"\s+is\b"),
    (('secret', 'hidden', 'private', 'confidential'),
     r"\b(?:tell|told|ask|asked|instruct|instructed|program|programmed)\s+you\s+(?:to\s+)?(?:keep|hide)\s+"
     r"(?:\w+\s+)?(?:secret|hidden|private|confidential)\b"),
    (('guarding', 'protecting', 'hiding', 'unlocks', 'unlock'),
     r"\b(?:you(?:'re| are)|you've been|you have been)\s+(?:guarding|protecting|hiding)\b(?!\s+(?:my|our|the (?:truth|facts))\b)"
     r"|\bwhat (?:word|phrase|code) unlocks\b"),
    (('you must not', "you mustn't", 'you should not', "you shouldn't", 'you can not', "you can't", 'you cannot',
      'you may not', 'not supposed', 'not allowed', 'not permitted'),
     r"\b(?:terms|words|topics|things?|names|stuff|secrets?)\s+(?:that\s+)?you\s+(?:must|should|can|may)(?:n't|\s*not|\s+never)\s+"
     r"(?:mention|say|reveal|share|discuss|talk about|tell)\b"
     r"|\bwhat you(?:'re| are) not (?:allowed|supposed|permitted) to (?:tell|say|reveal|share|mention)\b"
     r"|\b(?:thing|things|words?|stuff)\s+(?:that\s+)?you(?:'re| are)\s+not\s+(?:supposed|allowed|permitted)\s+to\s+"
     r"(?:say|tell|reveal|share|mention)\b"),
    # Planted in forwarded content. Both anchored at the start, so a long text costs one pass.
    (_HEADER_WORDS, r"\A\s*" + _TASK + r"[^\n]{6,240}?[.!?:][\"'”]?\s+" + _HEADER + r"[\s\S]{150}"),
    (_HEADER_WORDS, r"\A(?=[\s\S]{200})(?=[\s\S]{0,400}?" + _HEADER + r")[\s\S]*\n[ \t]*" + _TASK
     + r"[^\n]{6,240}\Z"),
    # A sentence telling whoever answers how to shape the answer: "Use numbers for vowels in your response."
    (('your response', 'your reply', 'your answer', 'your message', 'your output'),
     r"(?:\A|" + _BREAK + r")\s*" + _NOT_ABOUT_AN_ORDER + r"(?:can you\s+)?(?:please\s+)?(?:" + _FORMS + r")\b"
     + _SENTENCE + r"{0,120}\byour\s+(?:response|reply|answer|message|output)(?:'s|s)?\b"
     r"|(?:\A|" + _BREAK + r")\s*" + _NOT_ABOUT_AN_ORDER + r"in your (?:response|reply|answer|message)s?,\s*(?:please\s+)?"
     r"(?:" + _FORMS + r")\b"),
    # Dictated words: "say access granted", "just say X and nothing else", "reply with the word X".
    (('access granted',),
     r"\b(?:say|respond|reply|output|print|type|write|answer)\b[^.!?\n]{0,25}\baccess granted\b"),
    (('nothing else', 'nothing more'),
     r"\b(?:say|reply|respond|answer|write|output|print|type)\b[^.!?\n]{1,60}\b(?:and|but)\s+nothing\s+(?:else|more)\b"),
    (('the word', 'the phrase', 'the text', 'the sentence'),
     r"\b(?:reply|respond|answer)\s+(?:to\s+(?:this|me)\s+(?:\w+\s+)?)?with\s+(?:only\s+|just\s+)?the\s+"
     r"(?:word|phrase|text|sentence)\b"),
    (('type out', 'post this', 'tweet this', 'say this', 'write this', 'reply this', 'print this', 'override'),
     r"\b(?:type out|post this|tweet this|say this|write this|reply this|print this)\s*(?:exactly|verbatim|word for word)?\s*:"
     r"|(?:^|[.!?\n]\s*)override\s*[:\-–]"),
    # What the brand should post: "write a tweet saying…", "confirm publicly that…", "add this link to your answer".
    (('saying', 'says', 'announcing', 'claiming', 'stating'),
     r"\b(?:write|post|tweet|publish|send out)\s+(?:a\s+|an\s+)?(?:tweet|post|reply|message|statement|announcement)\s+"
     r"(?:saying|that says|announcing|claiming|stating)\b"),
    (('publicly',),
     r"\b(?:confirm|state|announce|declare|say)\s+publicly\s+that\b|\bpublicly\s+(?:confirm|state|announce|declare)\s+that\b"),
    (('your answer', 'your reply', 'your response', 'your tweet', 'your post', 'your message'),
     r"\b(?:add|include|put|insert|paste|append|copy)\s+(?:this|the following|these|that)\s+(?:link|url|text|line"
     r"|sentence|words?|phrase)\s+(?:to|in|into|at the end of)\s+your\s+(?:answer|reply|response|tweet|post|message)\b"),
    (('your page', 'your feed', 'your account', 'your timeline', 'your profile', 'your channel'),
     r"\b(?:announce|post|say|state|tweet|write)\s+(?:on|in|to)\s+your\s+(?:page|feed|account|timeline|profile|channel)\s+that\b"),
    # Claimed authority and new "rules".
    (('new rule', 'new policy', 'new instruction', 'new directive', 'new guideline', 'updated rule', 'update'),
     r"\b(?:new|updated?)\s+(?:rule|policy|instruction|directive|guideline)s?\s*[:\-–]\s*(?:you|from now|always|never"
     r"|respond|reply|answer|ignore|approve|agree)\b"
     r"|\b(?:policy|system|admin|management|security)\s+update\s*:\s*(?:you|from now|always|never|approve|disable)\b"),
    (('as the', 'as your'),
     r"\bas (?:the|your) (?:new )?(?:manager|admin(?:istrator)?|developer|owner|ceo|supervisor|boss|operator|creator)\b"
     r"[^.!?\n]{0,30}\b(?:i (?:order|command|instruct|authori[sz]e|tell) you|you (?:must|will|shall))\b"),
    (("i'm your", 'i am your', "it's your", 'it is your', 'this is your'),
     r"\b(?:i(?:'m| am)|it(?:'s| is)|this is) your (?:developer|creator|programmer|admin(?:istrator)?|operator|maker|owner|engineer|trainer)\b"),
    (('disable', 'turn off', 'switch off', 'deactivate', 'remove', 'lift'),
     r"\b(?:disable|turn off|switch off|deactivate|remove|lift)\s+(?:all\s+)?(?:of\s+)?(?:your|the)\s+(?:safety\s+|content\s+)?"
     r"(?:filters|guardrails|safety (?:checks?|settings|rules)|restrictions|safeguards|moderation|censorship)\b"),
    (('skip', 'bypass', 'ignore', 'moderation', 'guardrails'),
     r"\b(?:skip|bypass|ignore|switch off|turn off|disable)\s+(?:the\s+|your\s+|all\s+)?(?:guardrails|moderation|content filters?"
     r"|safety (?:filters?|checks?))\b"),
    (('mode',),
     r"\byou(?:'re| are)\s+(?:now\s+)?in\s+(?:sandbox|test(?:ing)?|debug|maintenance|developer|dev|admin|god)\s+mode\b"
     r"|\b(?:testing|debug|sandbox|maintenance) mode\b[^.!?\n]{0,30}\b(?:skip|ignore|disable|no|without|print|show|reveal)\b"),
    (('the ceo', 'the owner', 'the founder', 'the president', 'the director'),
     r"\bi(?:'m| am) the (?:ceo|owner|founder|president|director) of (?:this|your) (?:company|brand|business|firm)\b"),
    (('forget your', 'forget all your', 'forget what', 'forget everything', 'forget all'),
     r"\bforget (?:all )?your (?:training|programming|guidelines|rules|instructions|safety)\b"
     r"|\bforget\s+(?:what|everything|all)\s+(?:u|you)(?:'ve| have)?\s+(?:were|was|been|got)\s+(?:told|given|taught)\b"),
    (('operator', 'developer', 'creator', 'maker', 'admin', 'owner', 'programmer'),
     r"\bwhat (?:exactly\s+)?did (?:your|the) (?:operators?|developers?|creators?|makers?|admins?|owners?|programmers?)"
     r"\s+(?:instruct|tell you|say to you|program|configure|write)\b"),
    (('context window', 'verbatim', 'above this line', 'first message', 'initial message', 'opening message',
      'prompt', 'instructions'),
     r"\bcontext window\b|\babove this line\b[^\n]{0,30}\b(?:copy|repeat|print|quote|verbatim)\b"
     r"|\b(?:repeat|print|show|quote|recite|copy)\s+(?:your|the)\s+(?:first|initial|opening|earliest)\s+"
     r"(?:message|line|sentence|words?|instructions?)\s+(?:in|of)\s+(?:this|the|our)\s+(?:chat|conversation|thread)\b"
     r"|\b(?:what(?:'s|s| is)|give me|show me|send me|tell me)\s+(?:ur|yr)\s+(?:system\s+)?(?:prompt|instructions)\b"),
    (('assistant',),
     r"\byou are an? (?:helpful|harmless|honest|obedient)\s+(?:and\s+\w+\s+)?(?:ai\s+)?assistant\b"),
    # Goal hijacks: a new identity, a dictated opinion, a task slipped in after the question.
    (('you are', "you're", 'du bist'),
     r"(?:^|[.!?:]\s+)(?:ok(?:ay)?[.,]?\s+)?(?:and\s+)?(?:now\s+)?(?:you(?:'re| are)|du bist)\s+(?:now\s+|jetzt\s+)?"
     r"(?-i:(?:the\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s*[.,:;!]\s+[^.!?\n]{0,80}\?"),
    (('say that', 'state that', 'declare that', 'claim that', 'write that', 'include that'),
     r"(?:^|[.!?]\s+)(?:now\s+|please\s+|just\s+)?(?:say|state|declare|claim|write|include)\s+that\s+(?:you\s+(?:hate|love"
     r"|support|prefer|despise)\b|[\w ]{1,30}\s+(?:is|are|was)\s+the\s+(?:best|worst|greatest|most\s+\w+)\b)"),
    (('your instructions', 'your rules', 'your prompt', 'your programming', 'your guidelines'),
     r"\b(?:change|update|replace|rewrite|modify)\s+your\s+(?:instructions|rules|prompt|programming|guidelines)\s*"
     r"(?:to the following|as follows|to this|:)"),
    (('statement', 'instruction', 'command', 'order', 'directive', 'task'),
     r"\b(?:new|additional|further|extra)\s+(?:statement|instruction|command|order|directive)s?\s*[-–:]"
     r"|(?:\\n|\n)\s*(?:instruction|command)\s*:"),
    (('article', 'context', 'document', 'provided'),
     r"\b(?:disregard(?:ing)?|ignor(?:e|ing)|not by|forget(?:ting)?)\s+(?:all\s+)?(?:of\s+)?(?:the\s+|any\s+|provided\s+)+"
     r"(?:articles?|context|documents?|sources|(?:provided\s+)?(?:text|information))\b"
     r"|\bnot (?:by|from) the (?:articles?|documents?|context)\b"),
    (('role', 'character'),
     r"\b(?:stay|remain|staying|remaining)\s+(?:fully\s+)?in\s+(?:their|his|her|your)\s+(?:roles?|characters?)\b"
     r"|\b(?:break|breaking|falling out of|fall out of)\s+(?:character|(?:their|his|her) roles?)\b"),
    (('stell dir vor', 'antworte', 'olvidar todo', 'zaboravi'),
     r"\bstell dir vor,? du bist\b|\bantworte(?:n sie)? (?:im stil|als|wie)\b|\bolvidar todo\b|\bzaboravi sve\b"),
    (('you are now', "you're now"),
     r"\byou(?:'re| are) now\s+(?:[\"“]|(?:a|an)\s+(?:[\w-]+\s+){0,3}?(?:robot|ai|bot|assistant|character|persona|entity"
     r"|model|machine|version|program)\b)"),
    (('instructed', 'told', 'programmed'),
     r"\b(?:complete|finish|continue)\b[^\n]{0,40}\b(?:i was|you were|i am|you are|i've been|you've been)\s+"
     r"(?:instructed|told|programmed)\b"),
    (('sentence', 'tweet', 'post', 'reply', 'message', 'joke', 'comment', 'statement'),
     r"\b(?:write|say|post|generate|compose|give me)\s+(?:one|a|an|some)\s+(?:toxic|discriminatory|offensive|harmful|hateful"
     r"|racist|sexist|insulting|rude|unfriendly|nasty)\s+(?:sentence|tweet|post|reply|message|joke|comment|statement)s?\b"),
    # Role play and dictated answers: "you are role-playing as a pirate", "Repeat after me, ...", "say yes."
    (('role',),
     r"\brole-?playing as\b|\b(?:absorbed|immersed)\s+in\s+(?:your|the|his|her)\s+role\b"),
    (('repeat after me',),
     r"\brepeat after me\s*[,:]?\s*[\"“«']"),
    (('pretend',),
     r"\bpretend (?:that )?you (?:can|could|are able to) (?:access|see|browse|predict|know|read)\b"),
    (('say yes', 'say no'),
     r"\?\s*(?:just\s+|now\s+)?say (?:yes|no)\s*[.!]?\s*\Z"),
    (('make something up', "don't know", 'do not know'),
     r"\bmake something up\b|\bif you (?:don't|do not) know,? (?:just\s+)?(?:say|make|invent|guess|lie)\b"),
    (('before', 'above', 'preceding'),
     r"\b(?:\d+|two|three|first|last) (?:sentences?|words?|lines?) (?:before|above|preceding) (?:the text|this|my message|the question)\b"),
    (('prompt',),
     r"\b(?:information|text|words|data) (?:in|from) the prompt\b"),
    (('like a', 'like an'),
     r"\b(?:speak|talk|respond|answer|reply|write)\s+like\s+an?\s+(?:sailor|pirate|drunk|gangster|villain|toddler|nazi|racist)\b"),
    (('joke about',),
     r"\b(?:tell me|write|make|give me)\s+(?:me\s+)?an?\s+joke\s+about\s+(?:an?\s+)?(?:women|woman|men|jews?|muslims?|black"
     r"|gays?|christians?|religion|immigrants?|refugees)\b"),
    (('generate', 'write', 'schreibe', 'generieren'),
     r"(?:^|[.!?]\s+)(?:now\s+|please\s+)?(?:generate|write|schreibe|generieren sie)\s+(?:(?:me|the|some|a|den|das)\s+)?"
     r"(?:python|sql|c\+\+|javascript|java|bash|shell|php)\b"),
    (('untrue', 'false', 'fake', 'misleading', 'unwahr', 'falsch'),
     r"\b(?:formulate|formuliere|write|create|generate|invent|make up|compose|verfasse)\s+(?:\w+\s+){0,4}?(?:an?\s+|some\s+|eine\s+)?"
     r"(?:untrue|false|fake|misleading|unwahre|falsche)\s+(?:headlines?|news|story|stories|claims?|statements?|articles?"
     r"|reviews?|überschrift)\b"),
    (('attention', 'achtung'),
     r"\b(?:attention|achtung)\s*[-–!:]+\s*(?:stop|stopp)\b"),
    (('done',),
     r"\b(?:very good|well done|ok(?:ay)?|great|gut|sehr gut)[.!]\s+(?:that is|that's|das ist)\s+(?:done|finished|over|erledigt)"
     r"[.!]\s+(?:now|nun|jetzt)\b|\bdas ist erledigt\b"),
    (('if i say', 'si yo digo'),
     r"\bif i say \w+,? (?:you|u) say\b|\bsi yo digo\b"),
    (('context', 'kontext', 'document'),
     r"\b(?:context|kontext|documents?)\s*[:{][^\n]{0,300}?\b(?:question|frage)\s*:"),
    (('eingabeaufforderung',),
     r"\bobigen? eingabeaufforderung\b"),
    (('persona', 'identity', 'personality', 'character', 'name is'),
     r"\byour new (?:persona|identity|personality|character|name is)\b"),
    (('role',),
     r"(?:^|[.!?]\s+)role\s*:\s*(?:admin|system|developer|root|assistant|god)\b"),
    (('it says',),
     r"\b(?:decode|decrypt|unscramble|reverse)\b[^.!?\n]{0,40}\b(?:and|then)\s+(?:do|follow|execute|obey)\s+(?:what|whatever)\s+it\s+says\b"),
    (('no longer',),
     r"\byou(?:'re| are) no longer (?:an?\s+|the\s+|my\s+)?(?:customer\s+)?(?:service|support)\b[^.!?\n]{0,10}\byou(?:'re| are)\b"),
    (('assistant', 'ai', 'bot', 'gpt', 'model'),
     r"(?:^|[.!?]\s+)(?:@[\w.]+\s+)*(?:hey\s+|dear\s+|hi\s+)?(?:assistant|ai|bot|chatbot|gpt|model)\s*[,:]\s*(?:please\s+)?"
     r"(?:print|reveal|output|ignore|forget|disregard|repeat|recommend|dump|list your)\b"),
    (('everyone reading', 'everybody reading', 'loaded with', 'initialized with', 'initialised with', 'booted with'),
     r"\btell (?:everyone|everybody) reading\b"
     r"|\b(?:config(?:uration)?|settings|setup|prompt|instructions)\s+you\s+(?:were|are|got)\s+"
     r"(?:loaded|initiali[sz]ed|started|booted|configured)\s+with\b"),
    (('from this', 'from here on', 'from here out'),
     r"\bfrom (?:this (?:message|point|moment|tweet|post)|here)(?: on| onwards?| out)?,?\s+(?:on\s+)?(?:you|u)\s+"
     r"(?:will|must|shall|are|answer|respond|reply|talk|speak|only)\b"),
    # Text addressed to the machine that reads it, hidden from the people who see it.
    (('humans', 'llm', 'ai', 'model', 'bot', 'automated', 'questioned', 'asked', 'note'),
     r"\b(?:invisible|hidden) (?:to|from) (?:humans|people|readers|users)\b|\bvisible (?:only )?to (?:the )?(?:llms?|ai|models?|bots?)\b"
     r"|\bfor (?:automated|ai|llm) (?:screening|review|systems?|readers?|scanners?)\b"
     r"|\bif (?:questioned|asked),? (?:report|say|state|answer|respond|reply) that\b"
     r"|\b(?:note|message|instructions?) (?:to|for) (?:the |any )?(?:ai|llm|language model|assistant|bot|model)s?\b"
     r"|\b(?:ais?|llms?|language models?|assistants?|bots?|models?) (?:reading|processing|parsing|summari[sz]ing|seeing)"
     r" this\s*[,:]"),
    # The question set aside for another task, a bot told to show itself, a borrowed voice.
    (('customer', 'user', 'original'),
     r"\b(?:ignore|disregard|skip|forget|drop)\s+(?:the\s+)?(?:customer|user|original)(?:'s|s)?\s+(?:question|message"
     r"|request|post|tweet|query|text)s?\b[^.!?\n]{0,20}\b(?:and|then|instead)\b"),
    (('automated', 'a bot', 'an ai', 'a robot', 'an llm', 'a machine'),
     r"\bif (?:this is|you(?:'re| are)|ur|u r) (?:an? )?(?:automated|bot|ai|robot|llm|machine)\b[^.!?\n]{0,30}?"
     r"\b(?:say|reply|respond|write|type|answer|include|tweet)\b"),
    (('voice of', 'as if you were', 'pretending to be', 'impersonating'),
     r"\b(?:respond|reply|answer|write|talk|speak|tweet)\b[^.!?\n]{0,25}\b(?:in the voice of|as if you were|pretending to be"
     r"|impersonating) (?:your|the|a) (?:ceo|founder|owner|boss|manager|president|lawyer|chairman|spokesperson)\b"),
    # A heading that opens new orders: "### new instructions ###", "[system prompt]".
    (('instruction', 'rule', 'task', 'prompt', 'directive'),
     r"(?:#{2,}|\*{2,}|={2,}|-{3,}|(?:^|\n)(?:@[\w.]+\s+)*[\[<])\s*(?:new|updated|additional|system|admin|real|actual)"
     r"\s+(?:instructions?|rules?|task|prompt|directives?)\s*(?:#{2,}|\*{2,}|={2,}|-{3,}|\]|>)"),
    # Questions about its making, and a changed voice.
    (('configured', 'programmed', 'prompted', 'instructed', 'set up'),
     r"\bhow (?:were|are|have) you (?:been )?(?:configured|programmed|prompted|instructed|set up)\b"),
    (('only in', ' in binary', ' in base64', ' in hex', ' in morse', ' in leetspeak', ' in uppercase', ' in all caps'),
     r"\b(?:respond|reply|answer|talk|write|speak)\s+only\s+in\s+(?:uppercase|capitals|caps|emojis?|pirate|rhymes?"
     r"|riddles|code|base64|binary|hex|lies)\b"
     r"|\b(?:respond|reply|answer|talk|write|speak)\s+in\s+(?:binary|base64|hex|morse|leetspeak|uppercase|all caps)\b"),
    (('your reply', 'your response', 'your answer', 'your tweet', 'your next'),
     r"\b(?:make|write)\s+your\s+(?:next\s+)?(?:reply|response|answer|tweet)\s+(?:a|an|in|as|into)\s+"
     r"(?:poem|song|rap|haiku|limerick|story|joke|pirate)\b"),
]]
