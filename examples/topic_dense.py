"""The topic-dense sample set, written by the newsradar team: coverage of one topic (US-Venezuela
relations) in which nearly every article reports a different event, though they share every name
and most of their vocabulary. It is the normal case for a user who follows one topic, and the hard
one for story clustering: what separates the stories is what happened, to whom and when.

Two sources, both under examples/topic-dense/ (written by ``make_examples.py``):

- a pasted topic page of ten articles **without dates** (a listing copied from a site that shows
  none), every one a different event;
- a summary-only RSS feed of ten **dated** items (a headline and one or two sentences, the shape
  of most real feeds): five more reports of events on the pasted page and five events of their own.

The first field is the gold story. It was written before the code scored on it and is not changed
to fit that code. As in ``corpus.py``, the events and quotations are fiction written for testing;
real public figures appear by name because the analyses must recognise them.
"""

DENSE_OUTLETS = {
    "andes": ("Andes Digest", "andesdigest.example", "pasted"),
    "lantern": ("Lantern Report", "lanternreport.example", "rss"),
}

# story, outlet, published (UTC; None: the page shows no date), author, headline, paragraphs
DENSE = [
    # --- the pasted page: ten events, undated ----------------------------------------------------
    ("fbi-ties", "andes", None, "Tomás Rivera",
     "FBI says Tren de Aragua leaders took orders from Venezuelan officials",
     ["The FBI told senators on Tuesday that intelligence gathered in the past year showed leaders of the Tren de Aragua gang coordinating with serving Venezuelan security officials.",
      "FBI Director Kash Patel told the Senate Judiciary Committee that the gang's smuggling routes had been protected by officers of Venezuela's military intelligence service.",
      "Venezuela's foreign ministry called the testimony \"a fabrication to justify aggression\"."]),
    ("deportation-flights", "andes", None, "Tomás Rivera",
     "Caracas agrees to resume deportation flights from the United States",
     ["Venezuela's government agreed on Wednesday to accept deportation flights from the United States again, ending a standoff that had grounded them for four months.",
      "The deal was reached in Caracas during talks between US envoy Richard Grenell and Jorge Rodríguez, the president of the National Assembly, officials on both sides said.",
      "The first flights are expected to carry Venezuelans held in immigration detention in Texas and Arizona."]),
    ("opposition-crime", "andes", None, "Camila Ortega",
     "Opposition accuses Maduro of running a criminal network from Miraflores",
     ["Venezuela's opposition coalition accused President Nicolás Maduro on Thursday of running a criminal enterprise from the presidential palace, in a report it said drew on testimony from former officials.",
      "The report, presented by María Corina Machado's movement, alleges that gold smuggling and drug shipments pay for the loyalty of army commanders.",
      "Government spokesmen dismissed the document as propaganda written in Washington."]),
    ("essequibo-threat", "andes", None, "Camila Ortega",
     "Rubio warns Caracas of war if it moves on Essequibo",
     ["Secretary of State Marco Rubio warned Venezuela on Friday that any attempt to seize Guyana's Essequibo region would be met with force.",
      "\"If they attack Guyana, it will be a very bad day for the Maduro regime,\" Rubio told reporters during a visit to Georgetown, standing beside President Irfaan Ali.",
      "Venezuela claims the oil-rich territory, which Guyana has administered for more than a century."]),
    ("iran-venezuela-oped", "andes", None, "Hugo Benavides",
     "Opinion: Iran and Venezuela are one problem, not two",
     ["Washington keeps treating Tehran and Caracas as separate headaches. They are not.",
      "Iranian drones are assembled in Venezuelan factories, Iranian engineers keep Venezuelan refineries running, and Iranian tankers carry Venezuelan crude past American sanctions.",
      "A policy that squeezes one while ignoring the other will keep failing in both."]),
    ("americans-freed", "andes", None, "Hugo Benavides",
     "Venezuela frees six detained Americans after envoy's visit",
     ["Venezuela released six American citizens who had been held for months on conspiracy charges, the White House said on Saturday.",
      "The six were handed over at Maiquetía airport and flown out on a US government plane. Their families had called them hostages held to win concessions from Washington.",
      "The Venezuelan government said the release was a humanitarian gesture."]),
    ("gold-sanctions", "andes", None, "Tomás Rivera",
     "US sanctions Venezuelan gold traders over illegal mining in the south",
     ["The US Treasury imposed sanctions on Monday on five companies and two businessmen it accused of buying gold from illegal mines in Venezuela's Bolívar state.",
      "Treasury said the gold was sold in Turkey and the United Arab Emirates and that the proceeds financed armed groups that control the mining camps.",
      "Environmental groups welcomed the measure, saying the mines had poisoned rivers across the Orinoco basin."]),
    ("troops-border", "andes", None, "Camila Ortega",
     "Venezuelan troops mass near Guyana border, satellite images show",
     ["Satellite images taken this week show Venezuela moving armoured vehicles, landing craft and several hundred troops to Anacoco island, on the border with Guyana, analysts said.",
      "The build-up is the largest in the area since Venezuela held its referendum on the Essequibo dispute, according to researchers who reviewed the images.",
      "Guyana's defence force said it was monitoring the movements and had raised its alert level."]),
    ("brazil-mediation", "andes", None, "Hugo Benavides",
     "Lula offers to mediate between Washington and Caracas",
     ["Brazilian President Luiz Inácio Lula da Silva offered on Tuesday to host talks between the United States and Venezuela, saying South America must not become \"a theatre of war\".",
      "Lula said he had spoken by telephone with Nicolás Maduro and would raise the proposal with the White House.",
      "Neither government said whether it would accept."]),
    ("migrant-aid", "andes", None, "Tomás Rivera",
     "UN food agency expands aid to Venezuelan migrants in Colombia",
     ["The World Food Programme said on Thursday it would double its food aid to Venezuelan migrants in Colombia's border regions after a rise in arrivals.",
      "The agency said it would feed about 400,000 people a month in La Guajira and Norte de Santander with money from European donors.",
      "Colombian officials said more than 2.8 million Venezuelans now live in the country."]),
    # --- the summary-only feed: dated; five more reports of the page's events, five new ----------
    ("fbi-ties", "lantern", "2026-11-24T16:10:00Z", "Nadia Kessler",
     "Patel tells senators gang worked with Venezuelan intelligence officers",
     ["FBI Director Kash Patel told the Senate Judiciary Committee that Tren de Aragua's smuggling routes were protected by Venezuelan military intelligence, an accusation Caracas called a fabrication."]),
    ("deportation-flights", "lantern", "2026-11-25T13:45:00Z", "Nadia Kessler",
     "Venezuela agrees to take back deportees after Grenell talks",
     ["Venezuela will again accept deportation flights from the United States under a deal struck in Caracas by envoy Richard Grenell and Jorge Rodríguez, ending a four-month standoff."]),
    ("essequibo-threat", "lantern", "2026-11-27T19:30:00Z", "Owen Pryce",
     "Rubio says Venezuela would regret any move on Guyana's Essequibo",
     ["Speaking in Georgetown, Secretary of State Marco Rubio warned that an attack on Guyana would bring \"a very bad day for the Maduro regime\"."]),
    ("troops-border", "lantern", "2026-11-28T09:05:00Z", "Owen Pryce",
     "Satellite images show Venezuelan armoured build-up on Anacoco island",
     ["Venezuela has moved armoured vehicles and landing craft to Anacoco island on the Guyana border, according to satellite images reviewed by researchers. Guyana raised its alert level."]),
    ("americans-freed", "lantern", "2026-11-29T22:40:00Z", "Nadia Kessler",
     "Six Americans released by Venezuela land in Texas",
     ["Six Americans freed by Venezuela landed at San Antonio on Saturday night aboard a US government plane, the White House said, after months in detention on conspiracy charges."]),
    ("iran-drone-deal", "lantern", "2026-11-24T08:20:00Z", "Owen Pryce",
     "Iran and Venezuela sign deal to expand drone factory near Maracay",
     ["Iran's defence minister and his Venezuelan counterpart signed an agreement in Caracas to expand a factory that assembles Iranian-designed drones near Maracay, Venezuelan state television reported."]),
    ("maracaibo-protests", "lantern", "2026-11-26T11:15:00Z", "Nadia Kessler",
     "Protesters block roads in Maracaibo after a week of blackouts",
     ["Residents of Maracaibo burned tyres and blocked main roads on Wednesday to protest against power cuts that have left much of Zulia state without electricity for a week."]),
    ("aruba-tanker", "lantern", "2026-11-27T07:50:00Z", "Owen Pryce",
     "US Coast Guard stops Venezuelan-flagged tanker off Aruba",
     ["The US Coast Guard boarded and held a Venezuelan-flagged tanker north of Aruba on Thursday, saying it carried oil sold in breach of US sanctions. Caracas called the boarding piracy."]),
    ("chevron-licence", "lantern", "2026-11-28T21:00:00Z", "Nadia Kessler",
     "Treasury extends Chevron's licence to pump oil in Venezuela",
     ["The Treasury Department renewed for six months the licence that lets Chevron keep producing oil with Venezuela's state company PDVSA, despite calls from Republican senators to revoke it."]),
    ("cucuta-border", "lantern", "2026-11-30T15:25:00Z", "Owen Pryce",
     "Colombia and Venezuela reopen Cúcuta bridge to cargo traffic",
     ["Colombia and Venezuela reopened the Simón Bolívar bridge at Cúcuta to trucks on Monday under an agreement signed by their trade ministers, restoring the busiest crossing on their border."]),
]
