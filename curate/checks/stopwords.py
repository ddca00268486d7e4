"""Frequent function words per language, for the fast language detector (langdetect codes)."""

from __future__ import annotations

_RAW: dict[str, str] = {
    "en": "the and of to is in that it for you with this are was be on as have not but they by "
    "from at can or which will would there their what an we your if has been more when should "
    "these than also into how it's don't does do were its our",
    "de": "der die und das ist nicht ein eine zu den mit von sich des auf für im dem auch es sie "
    "wird werden bei oder wie aus sind kann nach wenn noch einen einer über dass sein hat durch "
    "diese ich wir ihr zum zur",
    "fr": "le la les de des et est un une du en que qui dans pour pas sur au avec ce il sont plus "
    "par ne se cette ou mais nous vous aux été être peut fait leur comme très d'un d'une c'est "
    "n'est l'on puis",
    "es": "el la de que y en los del las un una por con no es para se su al lo como más pero sus "
    "le ya o este esta también muy hay entre cuando sobre ser son puede está tiene tu después",
    "it": "il di che e la per un una non in sono del della è le da si con gli dei al come più "
    "anche ma nel alla questo questa delle essere ha può molto tra sul dal ci quando degli nella",
    "pt": "de a o que e do da em um uma para é com não os no na se por mais as dos como mas ao "
    "das ele sua seu ou ser quando muito também já está pode são isso nos pelo pela você depois",
    "nl": "de het een en van is dat in op te voor met zijn niet die aan er ook als bij door maar "
    "om of wordt worden naar dan kan deze dit nog wel uit hebben heeft meer zo geen je",
    "sv": "och att det som en är på för med av den till har inte om ett de var jag men kan eller "
    "så från vid när också sig bara efter detta här finns mycket skulle under vara denna andra du",
    "da": "og at det er en til på af med den for som de ikke har et var jeg men kan eller så fra "
    "også efter skal vil hvor når være denne her meget blev havde mig dig sig hun du",
    "no": "og i det er en til på av med som for at de ikke har et var jeg men kan eller så fra "
    "også etter skal vil hvor når være denne her mye ble hadde meg deg seg hun du",
    "pl": "i w nie na się z do to jest że o a jak ale po co tak za od są przez dla może być "
    "tylko jego już gdy oraz który która które tego tym też przy czy lub bardzo",
    "cs": "a se na je v že to s z do o jako ale by k pro po jsou tak od jeho které který která "
    "také být může při jen nebo už až když bylo byl této tento velmi však mezi si",
    "sk": "a sa na je v že to s z do o ako ale by k pre po sú tak od jeho ktoré ktorý ktorá "
    "tiež byť môže pri len alebo už až keď bolo bol tejto tento veľmi však medzi si",
    "tr": "ve bir bu da de için ile çok olarak daha gibi en ne var olan kadar sonra ama veya her "
    "şey ben o mi değil göre ya biz onu bunu içinde olduğu yok nasıl hem ise ki diye önce",
    "id": "yang dan di ini itu dengan untuk tidak dari dalam akan pada juga ke ada bisa atau "
    "oleh karena saya kita mereka sudah lebih seperti adalah harus telah dapat banyak hanya jika "
    "bahwa kami sangat tersebut antara masih bagi agar anda",
    "ro": "și în de la a cu pe că nu este o un se din care mai pentru sunt ca al sau fi dar prin "
    "cel această acest foarte poate fost despre după lor când ale acesta într își decât",
    "fi": "ja on ei se että oli hän mutta kun ovat joka myös tai jos niin kuin sen ole tämä voi "
    "mukaan vain sekä jotka hänen kanssa nyt vielä olla ollut jälkeen paljon siitä mitä koska",
    "hu": "a az és hogy nem is egy van meg de csak ez azt már mint el még ki volt vagy ha kell "
    "fel majd itt lesz nagyon pedig sem minden amely után között szerint mert így amit lehet",
    "ca": "el la de i que a en per amb els les és un una del no als com més però aquest aquesta "
    "també ser està seu seva molt pot quan entre sobre fer tot dels hi ha",
    "hr": "i je u na se da za od su s kao ali to iz o koji koja koje biti bio bila samo još ili "
    "kada nije sve već može prema te do po među jer tako ima vrlo nakon",
    "sl": "in je v na se da za od so s kot ali to iz o ki bi samo še ko ni vse že lahko po tudi "
    "pa do zelo med ker tako ima biti bil bila tem sem",
    "af": "die en van is in het dat te op vir met nie word was hy sy ook aan as om by na wat kan "
    "maar of sal uit hulle ons deur moet baie meer een daar hierdie tot wees",
    "ru": "и в не на что с по это как к для из от но он так все его же они то бы при если или "
    "также только было был может уже этого этот которые который более очень их вы мы она",
    "uk": "і в на що не з до це як у та для від але він так все його же вони бути при якщо або "
    "також тільки було був може вже цього цей які який більш дуже їх ви ми вона",
    "bg": "и на в да се за от не е с че по това като са до които който но той те ще при или "
    "също само беше може вече този тази много им вие ние тя към след има",
    "mk": "и на во да се за од не е со дека по тоа како до кои кој но тој тие ќе при или исто "
    "само беше може веќе овој оваа многу им вие ние таа кон после има",
}

STOPWORDS: dict[str, frozenset[str]] = {lang: frozenset(words.split()) for lang, words in _RAW.items()}

# Languages too close to tell apart by function words: the fast detector defers them.
AMBIGUOUS: frozenset[str] = frozenset({"da", "no", "af", "sl", "hr", "mk", "sk", "ca"})

# Which languages can answer for a word (word -> languages).
WORD_LANGS: dict[str, tuple[str, ...]] = {}
for _lang, _words in STOPWORDS.items():
    for _w in _words:
        WORD_LANGS[_w] = (*WORD_LANGS.get(_w, ()), _lang)
