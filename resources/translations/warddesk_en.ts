<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>Notifications</name>
    <message numerus="yes">
        <source>%n unread</source>
        <translation>
            <numerusform>%n unread</numerusform>
            <numerusform>%n unread</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Dates</name>
    <message numerus="yes">
        <source>%n years</source>
        <translation>
            <numerusform>%n year</numerusform>
            <numerusform>%n years</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <source>%n changes made here have not reached the server yet.</source>
        <translation>
            <numerusform>%n change made here has not reached the server yet.</numerusform>
            <numerusform>%n changes made here have not reached the server yet.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SignInAgainBanner</name>
    <message numerus="yes">
        <source>%n changes made here are kept and will be sent then.</source>
        <translation>
            <numerusform>%n change made here is kept and will be sent then.</numerusform>
            <numerusform>%n changes made here are kept and will be sent then.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Tickets</name>
    <message numerus="yes">
        <source>%n tickets shown, {stat} of them STAT</source>
        <translation>
            <numerusform>%n ticket shown, {stat} of them STAT</numerusform>
            <numerusform>%n tickets shown, {stat} of them STAT</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Patient</name>
    <message numerus="yes">
        <source>%n payments taken on this computer wait to sync and are not counted yet.</source>
        <translation>
            <numerusform>%n payment taken on this computer waits to sync and is not counted yet.</numerusform>
            <numerusform>%n payments taken on this computer wait to sync and are not counted yet.</numerusform>
        </translation>
    </message>
</context>
</TS>
