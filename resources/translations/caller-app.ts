<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1">
<context>
    <name>App</name>
    <message>
        <source>Phone bank</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AttentionDialog</name>
    <message>
        <source>Needs attention</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server did not accept these results. They are kept on this computer. Tell your organiser (a saved copy helps); once it is fixed, send them again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Results that need attention</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recorded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why the selected result was refused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Results that belong elsewhere</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sends the selected results to the server again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry all</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sends every result in the list again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save a copy for the organiser…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saves this list as a spreadsheet file (CSV) you can send your organiser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing here needs attention now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} · {outcome} · {time}
{reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending 1 result again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending {n} results again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>results-needing-attention.csv</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save a copy for the organiser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Spreadsheet (CSV) (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AttentionModel</name>
    <message>
        <source>{date}, {time}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AttentionViewModel</name>
    <message>
        <source>Name removed when the contacts were handed back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>campaign {id}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 more belongs to “{campaign}”: open that campaign to send it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} more belong to “{campaign}”: open that campaign to send them again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 more was recorded by {user} on this server: sign in as {user} to send it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} more were recorded by {user} on this server: sign in as {user} to send them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 more belongs to {server}: sign in there to send it again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} more belong to {server}: sign in there to send them again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved 1 result to {file}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {n} results to {file}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not save the copy: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>BreakScreen</name>
    <message>
        <source>On a break</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On a break — your contacts are kept for you</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The call timer is paused. Your results keep uploading. When you are ready, you will be back with the same person.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resume calling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to calling (Ctrl+B or Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ends the break and shows the same contact</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CallForm</name>
    <message>
        <source>Survey questions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes for the campaign (optional)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Anything the campaign should know</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo last</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo the last outcome (Ctrl+Z)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Takes back or corrects the last outcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save &amp;&amp; next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save this call and show the next contact (Ctrl+Enter)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save and next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saves this call and shows the next contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose an outcome ({keys}), then Ctrl+Enter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Press F1 to see all the keys</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CallbackPicker</name>
    <message>
        <source>Call back when</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call back when? A quick choice saves the call.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{key}  Pick a time…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pick a time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the day and time yourself ({key})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call-back day</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call-back time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Day:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>T&amp;ime:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call-back time chosen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call back {when}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose when to call back first: a quick choice, or Pick a time ({key}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{when} {zone} time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{when} has already passed. Choose a later time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{when} is outside calling hours ({hours}). Choose a time within them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{when} is more than 90 days away. Choose a sooner time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That choice is not available now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{zone} time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{start}–{end} {zone} time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Today ({date})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tomorrow ({date})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In 1 hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This evening</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tomorrow evening</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>already over</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>outside calling hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saves the call with this call-back time ({key})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call back {when}. Press Enter to save.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CallerExtras</name>
    <message>
        <source>S&amp;kip</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pass on this person without an outcome; someone else will call them (Ctrl+K)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gives this contact back to the list, not counted as a call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Take a &amp;break</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pause the call timer; your contacts are kept (Ctrl+B)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This &amp;session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Who you called this session; correct any of those calls (Ctrl+H)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skip this person?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What you entered for this call will not be saved. Skip anyway?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>End &amp;break</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CallerScreen</name>
    <message>
        <source>No contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Number copied.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose an outcome first ({keys}).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No phone app on this computer can dial, so the number {number} was copied. Dial it on your phone, or paste it into your calling app.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CallerViewModel</name>
    <message>
        <source>Fetching more contacts…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Correction saved: {name}, {outcome}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved: {name}, {outcome}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing to undo.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Correction undone. Choose the right outcome and save to correct it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undone. Record this call again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That result was already uploaded. Choose the right outcome and save: a correction will be sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the correction first; a corrected call can&apos;t be skipped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have skipped {n} people in the last hour, the most a campaign allows. Please call this one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skipped {name}: they go back on the list for another volunteer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>this contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Correcting the call to {name}. Change what was wrong and save.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 contact went to another volunteer while you were away.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} contacts went to another volunteer while you were away.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{outcome} call ({time}): {message}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calling closes at {time} {zone} time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outside calling hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outside calling hours.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outside calling hours. {opens}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calling opens at {time} {zone} time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calling opens tomorrow at {time} {zone} time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calling opens on {day} at {time} {zone} time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline and out of contacts: {n} results waiting. They upload as soon as the connection is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed out: sign in again to get more contacts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server is catching up after maintenance; new contacts come in a few minutes. Everything you recorded is safe.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paused by the organiser. Your results keep uploading; new contacts come when the campaign resumes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This campaign has closed. Thank you for calling! Your results keep uploading.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You hold as many contacts as this campaign allows; finish these first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not save on this computer. Nothing was lost: try again.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CampaignPicker</name>
    <message>
        <source>Choose a campaign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which campaign are you calling for tonight?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Campaigns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose with the arrow keys and press Enter to start calling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start calling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>calling open all day</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>calling hours {hours} {zone} time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (closed now; opens {when})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (closed now)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paused by the organiser: it cannot be called for now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This campaign has closed.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ContactCard</name>
    <message>
        <source>Contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ward and attempt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call timer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dial</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Call with your phone app (D, or Alt+D)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opens the number in your phone app and starts the call timer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the number to the clipboard (Ctrl+Shift+C)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copies the phone number to the clipboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Same number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notes from earlier calls</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>attempt {n} of {m}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>attempt {n}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ward not known</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Same number as {names}: ask for them too.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ContactExtras</name>
    <message>
        <source>Their local time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About this contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Earlier calls</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Their local time: not known</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Their local time: {time} ({place})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Their local time: not known. Campaign time: {time} ({place})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label}:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{date}, {time}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{when} · {outcome}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> · “{note}”</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Crash</name>
    <message>
        <source>Something went wrong</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The caller app hit a problem it did not expect. Your saved results are safe. Details are in the log file; please send it to your organiser.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Dates</name>
    <message>
        <source>{weekday} {day} {month}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Days</name>
    <message>
        <source>Monday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tuesday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wednesday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Thursday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Friday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saturday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sunday</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mon</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Thu</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fri</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sat</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sun</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Please enter the server address your organiser gave you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server address must start with https:// so that your sign-in stays private.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server&apos;s reply was coming far too slowly. We&apos;ll keep trying.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server&apos;s security certificate could not be verified. We&apos;ll keep trying.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server&apos;s reply was far too large. We&apos;ll keep trying.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The connection dropped. We&apos;ll keep trying.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server&apos;s reply was cut short or garbled. We&apos;ll keep trying.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server tried to send us to another address; we did not follow it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Something went wrong talking to the phone bank server.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Can&apos;t reach the phone bank server. Check your internet connection.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have been signed out. Please sign in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server refused the request.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server is busy. Trying again shortly.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The phone bank server has a problem. Your calls are safe; we&apos;ll keep trying.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The reply did not come from the phone bank server (a Wi-Fi sign-in page?). We&apos;ll keep trying.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incompatible server version: please update the caller app.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That server address doesn&apos;t look right. It should start with https://</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server sent an unexpected reply ({what}). We&apos;ll keep trying.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The call could not be saved on this computer (is the disk full?). Nothing was lost; please try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server did not confirm our results. We&apos;ll keep trying.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InviteDialog</name>
    <message>
        <source>Join a phone bank</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join with your invite</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste the invite link your organiser sent you (or just its code), then choose a username and password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite link or code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filled in from the invite link; needed when you paste only a code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>I already made my account on the join page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Username</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>At least 10 characters. A few words you will remember works well.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Invite:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your &amp;name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Problem joining</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Get the new version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join and sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the address of your phone bank server.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your name, as the team will know you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a username.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Joining…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Keyboard</name>
    <message>
        <source>Choose an outcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answer the question: the scale value, or the answer&apos;s number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the previous answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the next answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dial the number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the number</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go to the notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go back to the outcomes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save this call and show the next contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo or correct the last call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show these keys</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Go to the next or previous thing on the screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Press the button or tick the answer that has the focus</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the script, the crib sheet or the candidate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skip: pass on this person without an outcome (someone else will call them)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Take a break (your contacts are kept); again to resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This session: who you called; correct any of those calls</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Larger, smaller or normal text (remembered)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>End the session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Anywhere</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outside text fields</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outside text fields and the survey</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In a survey question</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outside the notes and free-text answers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>key 1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>keys 1–{last}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>keys 1–9, 0</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Launcher</name>
    <message>
        <source>Starting practice mode with a demo campaign…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing you back in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Practice mode</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Practice mode could not start: {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No campaigns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There are no active campaigns to call for right now. Please check with your organiser.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fetching the campaigns…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have been signed out. Sign in again to upload your results; you can keep calling meanwhile.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{name} · Phone bank</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{candidate} · {seat} · signed in as {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>End session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>See your summary, then finish or switch (Ctrl+Q)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shows a summary; from there keep calling, switch campaign or finish (which hands back the contacts you did not call)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Months</name>
    <message>
        <source>Jan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Feb</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mar</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apr</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>May</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jun</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jul</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Aug</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sep</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Oct</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nov</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dec</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OutOfContacts</name>
    <message>
        <source>at {time} {zone} time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tomorrow at {time} {zone} time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>on {day} at {time} {zone} time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 contact comes back for a retry {when}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} contacts wait for a retry; the first comes back {when}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No more contacts for now: everyone on the list has been called. Thank you!</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Everyone has been called for tonight: calling hours end {when}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Everyone has been called for now.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OutcomeBar</name>
    <message>
        <source>Outcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Press {key} (or Alt+{key})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outcome {key}: {label}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PracticeBanner</name>
    <message>
        <source>Practice mode — no real calls, nothing is sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Practice mode</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <source>Session progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>calls</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>reached</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>calls / hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>session time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Progress toward the target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calling hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Team tally</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join the team leaderboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Off by default; only volunteers who opted in are listed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Leaderboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shown after {m} minutes of calling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} of {goal} reached</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Target: 1 contact reached an hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Target: {t} contacts reached an hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Team tally appears once you are online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody has joined the leaderboard yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} calls</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} people</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Team tally as of {time}: {calls} made, {people} reached.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The team has made {calls} tonight and reached {people}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QMessageBox</name>
    <message>
        <source>Show Details...</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hide Details...</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QPlatformTheme</name>
    <message>
        <source>OK</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;No</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QuestionBox</name>
    <message>
        <source>Free-text answer</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SaveFirstDialog</name>
    <message>
        <source>Save this call first?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You chose an outcome or typed notes for this call but have not saved them. Save keeps the call; Discard drops what you entered.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Discard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Keep calling</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ScriptPanel</name>
    <message>
        <source>Script</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Script, crib sheet and candidate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What to say, filled in for this call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Crib sheet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Answers to common questions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Candidate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About the candidate</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SessionListDialog</name>
    <message>
        <source>This session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calls this session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Who</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Note</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calls, newest first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Correct this call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shows this contact again so you can fix the outcome, answers or notes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have called 1 person this session.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have called {n} people this session.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No calls yet this session.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{outcome} (corrected)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This call was already corrected once. The server keeps only one correction per call, so this one was not accepted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{outcome} (not accepted)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{outcome} (needs attention)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ShortcutSheet</name>
    <message>
        <source>Keys · Phone bank</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keys on the calling screen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>While you type in the notes or an answer box, keys only type. Alt with a key works everywhere.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keys and what they do</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Key</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What it does</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where it works</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SignIn</name>
    <message>
        <source>Something unexpected went wrong. It has been logged.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Sign in · Phone bank</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in to your phone bank</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the username and password your organiser gave you.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The web address of your phone bank</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Username</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your phone bank username</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your phone bank password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remember me on this computer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keeps you signed in, using the system keyring</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This computer has no safe place to keep your sign-in, so you will need to sign in again next time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Server:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign-in problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signs in with these details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Get the new version</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New volunteer? Paste your invite</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the address of your phone bank server.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your username and password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in, please wait</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Splash</name>
    <message>
        <source>Starting the phone bank…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone bank</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SummaryDialog</name>
    <message>
        <source>Session summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Thank you for calling tonight!</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calls made:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>People reached:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Session time:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Uploaded:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting to upload:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Need your attention:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Results still waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Results that need attention</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your contacts are still reserved for you. Keep calling goes back to them; Switch campaign or Finish hands back the ones you did not call.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Keep calling</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Switch campaign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Finish</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back to the caller screen (Escape)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hands back this campaign&apos;s contacts and lets you choose another campaign</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hands back the contacts you did not call, then closes the app</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You made {calls} and reached {people}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 call</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} calls</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 person</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} people</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 result could not be uploaded yet. It is kept safely on this computer and will be uploaded first when you next open the app.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} results could not be uploaded yet. They are kept safely on this computer and will be uploaded first when you next open the app.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 result was not accepted by the server. It is kept on this computer: the “needs attention” button in the status bar lets you send it again or save a copy for your organiser.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} results were not accepted by the server. They are kept on this computer: the “need attention” button in the status bar lets you send them again or save a copy for your organiser.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Handing back the contacts you did not call…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline: the contacts you did not call go back to the team automatically when their reservation runs out.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 contact you did not call was handed back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} contacts you did not call were handed back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No contacts needed handing back.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SurveyForm</name>
    <message>
        <source>Survey</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SyncStatus</name>
    <message>
        <source>1 result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed out · sign in to upload {results}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed out · sign in to continue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{results} waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>nothing waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>retrying in {s} s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>retrying now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online · uploading {results}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online · {results} waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online · nothing waiting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online · all results uploaded</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{text} · 1 result needs your attention</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{text} · {n} results need your attention</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SyncStatusBar</name>
    <message>
        <source>Sync status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shows results the server did not accept, with the reason</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 needs attention</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} need attention</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
