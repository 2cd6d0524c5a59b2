<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="pt_BR">
<context>
    <name>AppointmentDetails</name>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="1"/>
        <source>Attendance recorded on this computer</source>
        <translation>Comparecimento registrado neste computador</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="47"/>
        <source>Someone else booked this time first.</source>
        <translation>Outra pessoa marcou este horário primeiro.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="50"/>
        <source>The patient already has an appointment at this time.</source>
        <translation>O paciente já tem uma consulta neste horário.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="53"/>
        <source>The doctor does not see patients at this time.</source>
        <translation>O médico não atende neste horário.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="56"/>
        <source>The server could not confirm the booking in time.</source>
        <translation>O servidor não conseguiu confirmar a marcação a tempo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="59"/>
        <source>You may not book in this calendar.</source>
        <translation>Você não pode marcar nesta agenda.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="69"/>
        <source>The server refused the booking.</source>
        <translation>O servidor recusou a marcação.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="79"/>
        <source>Requested on this computer</source>
        <translation>Solicitada neste computador</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="82"/>
        <source>Move requested on this computer</source>
        <translation>Remarcação solicitada neste computador</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="85"/>
        <source>Cancellation requested on this computer</source>
        <translation>Cancelamento solicitado neste computador</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="88"/>
        <source>Sent to the server, waiting for its answer</source>
        <translation>Enviada ao servidor, aguardando a resposta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="91"/>
        <source>Accepted by the server</source>
        <translation>Aceita pelo servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="92"/>
        <source>Refused by the server</source>
        <translation>Recusada pelo servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="93"/>
        <source>Changed by someone else meanwhile</source>
        <translation>Alterada por outra pessoa nesse meio-tempo</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="96"/>
        <source>Moved here from an earlier appointment</source>
        <translation>Remarcada para cá a partir de outra consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="99"/>
        <source>Moved to another time</source>
        <translation>Remarcada para outro horário</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="106"/>
        <source>Now: {status}</source>
        <translation>Agora: {status}</translation>
    </message>
</context>
<context>
    <name>AppointmentDetailsDialog</name>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="1"/>
        <source>Documents</source>
        <translation>Documentos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="1"/>
        <source>Patient &amp;came</source>
        <translation>Paciente &amp;compareceu</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="1"/>
        <source>Record that the patient came</source>
        <translation>Registrar que o paciente compareceu</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="1"/>
        <source>&amp;Did not come</source>
        <translation>&amp;Não compareceu</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="1"/>
        <source>Record that the patient did not come</source>
        <translation>Registrar que o paciente não compareceu</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="127"/>
        <source>Appointment</source>
        <translation>Consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="137"/>
        <source>Status</source>
        <translation>Situação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="146"/>
        <source>Patient:</source>
        <translation>Paciente:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="147"/>
        <source>When:</source>
        <translation>Quando:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="148"/>
        <source>Doctor:</source>
        <translation>Médico:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="149"/>
        <source>Room:</source>
        <translation>Sala:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="150"/>
        <source>Status:</source>
        <translation>Situação:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="151"/>
        <source>Reason:</source>
        <translation>Motivo:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="152"/>
        <source>Cancelled because:</source>
        <translation>Cancelada porque:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="154"/>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="157"/>
        <source>Why the server refused it</source>
        <translation>Por que o servidor recusou</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="167"/>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="169"/>
        <source>History</source>
        <translation>Histórico</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="173"/>
        <source>&amp;Move…</source>
        <translation>&amp;Remarcar…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="174"/>
        <source>Move the appointment</source>
        <translation>Remarcar a consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="175"/>
        <source>Cancel &amp;appointment…</source>
        <translation>Cancelar &amp;consulta…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="176"/>
        <source>Cancel the appointment</source>
        <translation>Cancelar a consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="177"/>
        <source>&amp;Close</source>
        <translation>&amp;Fechar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="200"/>
        <source>A patient not on this computer</source>
        <translation>Um paciente que não está neste computador</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="204"/>
        <source>None</source>
        <translation>Nenhuma</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="209"/>
        <source>Requested: it will be confirmed when the server answers.</source>
        <translation>Solicitada: será confirmada quando o servidor responder.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="225"/>
        <source>The next free times the server offered:</source>
        <translation>Os próximos horários livres oferecidos pelo servidor:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="228"/>
        <source>Book {when} instead</source>
        <translation>Marcar {when} em vez disso</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="236"/>
        <source>The server offered no other time; pick one in the calendar.</source>
        <translation>O servidor não ofereceu outro horário; escolha um na agenda.</translation>
    </message>
    <message>
        <source>&amp;Open patient…</source>
        <translation>Abrir &amp;paciente…</translation>
    </message>
    <message>
        <source>Open the patient's screen</source>
        <translation>Abrir a ficha do paciente</translation>
    </message>
</context>
<context>
    <name>AppointmentStatus</name>
    <message>
        <location filename="../../desktop/ui/theme.py" line="40"/>
        <source>Requested</source>
        <translation>Solicitada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/theme.py" line="41"/>
        <source>Held</source>
        <translation>Reservada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/theme.py" line="42"/>
        <source>Confirmed</source>
        <translation>Confirmada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/theme.py" line="43"/>
        <source>Rejected</source>
        <translation>Recusada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/theme.py" line="44"/>
        <source>Cancelled</source>
        <translation>Cancelada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/theme.py" line="45"/>
        <source>Completed</source>
        <translation>Realizada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/theme.py" line="46"/>
        <source>No-show</source>
        <translation>Não compareceu</translation>
    </message>
</context>
<context>
    <name>BookingDialog</name>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="135"/>
        <source>Book an appointment</source>
        <translation>Marcar uma consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="147"/>
        <source>Type a name or an MRN</source>
        <translation>Digite um nome ou um prontuário</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="148"/>
        <source>Patient</source>
        <translation>Paciente</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="166"/>
        <source>Date</source>
        <translation>Data</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="170"/>
        <source>Start time</source>
        <translation>Hora de início</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="176"/>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="177"/>
        <source>Duration in minutes</source>
        <translation>Duração em minutos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="180"/>
        <source>Room</source>
        <translation>Sala</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="181"/>
        <source>No room</source>
        <translation>Sem sala</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="187"/>
        <source>Why the patient comes (optional)</source>
        <translation>Por que o paciente vem (opcional)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="188"/>
        <source>Reason</source>
        <translation>Motivo</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="198"/>
        <source>You are working offline. The appointment is saved on this computer as requested and will be confirmed when the server answers.</source>
        <translation>Você está trabalhando sem conexão. A consulta fica salva neste computador como solicitada e será confirmada quando o servidor responder.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="203"/>
        <source>The server confirms the appointment in a moment.</source>
        <translation>O servidor confirma a consulta em instantes.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="207"/>
        <source>&amp;Patient:</source>
        <translation>&amp;Paciente:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="209"/>
        <source>&amp;Date:</source>
        <translation>&amp;Data:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="210"/>
        <source>&amp;Time:</source>
        <translation>&amp;Hora:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="211"/>
        <source>D&amp;uration:</source>
        <translation>D&amp;uração:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="212"/>
        <source>R&amp;oom:</source>
        <translation>S&amp;ala:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="213"/>
        <source>&amp;Reason:</source>
        <translation>&amp;Motivo:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="219"/>
        <source>&amp;Book</source>
        <translation>&amp;Marcar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="220"/>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="248"/>
        <source>No patient on this computer matches “{text}”.</source>
        <translation>Nenhum paciente neste computador corresponde a “{text}”.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="264"/>
        <source>Born {date}</source>
        <translation>Nascido(a) em {date}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="298"/>
        <source>This time is outside {doctor}&apos;s hours: the server will refuse it.</source>
        <translation>Este horário está fora do expediente de {doctor}: o servidor vai recusá-lo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="140"/>
        <source>Appointment with {doctor}</source>
        <translation>Consulta com {doctor}</translation>
    </message>
    <message>
        <source>Patient already booked</source>
        <translation>Paciente já marcado</translation>
    </message>
    <message>
        <source>{patient} already has an appointment at this time ({start}–{end}): the server will refuse a second one. Choose another time, or move the other appointment first.</source>
        <translation>{patient} já tem uma consulta neste horário ({start}–{end}): o servidor vai recusar uma segunda. Escolha outro horário ou remarque antes a outra consulta.</translation>
    </message>
</context>
<context>
    <name>CalendarCanvas</name>
    <message>
        <location filename="../../desktop/ui/calendar/canvas.py" line="218"/>
        <source>Calendar</source>
        <translation>Agenda</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/canvas.py" line="531"/>
        <source>{doctor}, {day} at {time}: free</source>
        <translation>{doctor}, {day} às {time}: livre</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/canvas.py" line="534"/>
        <source>{doctor}, {day} at {time}: outside opening hours</source>
        <translation>{doctor}, {day} às {time}: fora do horário de atendimento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/canvas.py" line="783"/>
        <source>{count} booked</source>
        <translation>{count} marcadas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/canvas.py" line="783"/>
        <source>Nothing booked</source>
        <translation>Nada marcado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/canvas.py" line="785"/>
        <source>{count} outside these hours</source>
        <translation>{count} fora deste horário</translation>
    </message>
</context>
<context>
    <name>CalendarNavigationBar</name>
    <message>
        <location filename="../../desktop/ui/calendar/navigation.py" line="23"/>
        <source>Today</source>
        <translation>Hoje</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/navigation.py" line="24"/>
        <location filename="../../desktop/ui/calendar/navigation.py" line="25"/>
        <source>Go to today</source>
        <translation>Ir para hoje</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/navigation.py" line="47"/>
        <source>Dates shown</source>
        <translation>Datas exibidas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/navigation.py" line="55"/>
        <location filename="../../desktop/ui/calendar/navigation.py" line="56"/>
        <source>Go to date</source>
        <translation>Ir para a data</translation>
    </message>
</context>
<context>
    <name>CalendarScreen</name>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="1"/>
        <source>Saved: the patient came.</source>
        <translation>Salvo: o paciente compareceu.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="1"/>
        <source>Saved: the patient did not come.</source>
        <translation>Salvo: o paciente não compareceu.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="1"/>
        <source>The appointment has not begun yet: record who came once it has.</source>
        <translation>A consulta ainda não começou: registre o comparecimento depois que ela começar.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="101"/>
        <source>Calendar</source>
        <translation>Agenda</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="103"/>
        <source>&amp;Week</source>
        <translation>&amp;Semana</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="105"/>
        <source>&amp;Day</source>
        <translation>&amp;Dia</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="105"/>
        <source>Doctors&apos; &amp;day</source>
        <translation>&amp;Dia dos médicos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="112"/>
        <source>Show one doctor&apos;s week</source>
        <translation>Mostrar a semana de um médico</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="113"/>
        <source>Show one day of several doctors</source>
        <translation>Mostrar um dia de vários médicos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="118"/>
        <source>Department</source>
        <translation>Departamento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="120"/>
        <source>De&amp;partment:</source>
        <translation>De&amp;partamento:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="125"/>
        <source>D&amp;octor:</source>
        <translation>Mé&amp;dico:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="130"/>
        <source>Export iCalendar…</source>
        <translation>Exportar iCalendar…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="131"/>
        <source>Export the doctor&apos;s calendar as iCalendar</source>
        <translation>Exportar a agenda do médico como iCalendar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="132"/>
        <source>The week shown and the seven after it, as an .ics file</source>
        <translation>A semana exibida e as sete seguintes, como arquivo .ics</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="134"/>
        <source>Day list as PDF…</source>
        <translation>Lista do dia em PDF…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="135"/>
        <source>Save the doctor&apos;s day list as PDF</source>
        <translation>Salvar a lista do dia do médico em PDF</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="140"/>
        <source>Message</source>
        <translation>Mensagem</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="144"/>
        <source>Loading the calendar…</source>
        <translation>Carregando a agenda…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="245"/>
        <source>Your calendar appears here after the first sync with the server.</source>
        <translation>Sua agenda aparece aqui depois da primeira sincronização com o servidor.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="247"/>
        <source>The doctors&apos; calendars appear here after the first sync with the server.</source>
        <translation>As agendas dos médicos aparecem aqui depois da primeira sincronização com o servidor.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="253"/>
        <source>All departments</source>
        <translation>Todos os departamentos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="345"/>
        <source>Your calendar is read-only here: ask a scheduler to book appointments.</source>
        <translation>Aqui sua agenda é somente leitura: peça a um agendador para marcar consultas.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="380"/>
        <source>Saved as requested on this computer: it will be confirmed when the server answers.</source>
        <translation>Salva como solicitada neste computador: será confirmada quando o servidor responder.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="382"/>
        <source>Requested: the server confirms it in a moment.</source>
        <translation>Solicitada: o servidor confirma em instantes.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="453"/>
        <source>Cancellation saved.</source>
        <translation>Cancelamento salvo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="500"/>
        <source>Export iCalendar</source>
        <translation>Exportar iCalendar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="500"/>
        <source>iCalendar (*.ics)</source>
        <translation>iCalendar (*.ics)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="514"/>
        <source>{count} appointments exported to {path}.</source>
        <translation>{count} consultas exportadas para {path}.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="534"/>
        <source>Save the day list</source>
        <translation>Salvar a lista do dia</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="534"/>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="554"/>
        <source>The day list of {day} was saved to {path}.</source>
        <translation>A lista do dia {day} foi salva em {path}.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="123"/>
        <source>Doctor</source>
        <translation>Médico</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="342"/>
        <source>The patient list is still loading; try again in a moment.</source>
        <translation>A lista de pacientes ainda está carregando; tente de novo em instantes.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="569"/>
        <source>You may not change appointments in this calendar.</source>
        <translation>Você não pode alterar consultas nesta agenda.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="572"/>
        <source>That time has already passed: choose a later one.</source>
        <translation>Esse horário já passou: escolha um mais tarde.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="575"/>
        <source>That patient is not on this computer yet: sync and try again.</source>
        <translation>Esse paciente ainda não está neste computador: sincronize e tente de novo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="578"/>
        <source>That doctor is not on this computer yet: sync and try again.</source>
        <translation>Esse médico ainda não está neste computador: sincronize e tente de novo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="581"/>
        <source>That appointment is no longer on this computer.</source>
        <translation>Essa consulta não está mais neste computador.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="584"/>
        <source>Only a confirmed appointment can be moved or cancelled; wait for the server.</source>
        <translation>Só uma consulta confirmada pode ser remarcada ou cancelada; aguarde o servidor.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="587"/>
        <source>Write a reason of at least 3 characters.</source>
        <translation>Escreva um motivo de pelo menos 3 caracteres.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/screen.py" line="591"/>
        <source>The change was not saved: {detail}</source>
        <translation>A alteração não foi salva: {detail}</translation>
    </message>
    <message>
        <source>Not booked: the server refused {patient}, {when}. Open it in the calendar to see why and to pick one of the next free times.</source>
        <translation>Não marcada: o servidor recusou {patient}, {when}. Abra-a no calendário para ver o motivo e escolher um dos próximos horários livres.</translation>
    </message>
    <message>
        <source>Confirmed: {patient}, {when}.</source>
        <translation>Confirmada: {patient}, {when}.</translation>
    </message>
</context>
<context>
    <name>CancelDialog</name>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="319"/>
        <source>Cancel the appointment</source>
        <translation>Cancelar a consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="324"/>
        <source>Reason for cancelling</source>
        <translation>Motivo do cancelamento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="325"/>
        <source>Why is it cancelled? (required)</source>
        <translation>Por que ela é cancelada? (obrigatório)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="328"/>
        <source>&amp;Reason:</source>
        <translation>&amp;Motivo:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="334"/>
        <source>Cancel &amp;appointment</source>
        <translation>Cancelar &amp;consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="335"/>
        <source>&amp;Keep it</source>
        <translation>&amp;Manter</translation>
    </message>
</context>
<context>
    <name>DayList</name>
    <message>
        <location filename="../../desktop/ui/calendar/print_day.py" line="18"/>
        <source>{doctor} · {day}</source>
        <translation>{doctor} · {day}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/print_day.py" line="27"/>
        <source>(not yet confirmed)</source>
        <translation>(ainda não confirmada)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/print_day.py" line="38"/>
        <source>No appointments.</source>
        <translation>Nenhuma consulta.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/print_day.py" line="44"/>
        <source>Time</source>
        <translation>Horário</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/print_day.py" line="45"/>
        <source>Patient</source>
        <translation>Paciente</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/print_day.py" line="46"/>
        <source>Status</source>
        <translation>Situação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/print_day.py" line="47"/>
        <source>Reason</source>
        <translation>Motivo</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/print_day.py" line="63"/>
        <source>Day list</source>
        <translation>Lista do dia</translation>
    </message>
</context>
<context>
    <name>InitialSyncBanner</name>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="68"/>
        <source>Initial sync progress</source>
        <translation>Progresso da sincronização inicial</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="95"/>
        <source>Preparing this computer for offline work: {rows} records downloaded so far ({rate} a second, {elapsed} s). You can keep working meanwhile.</source>
        <translation>Preparando este computador para trabalhar offline: {rows} registros baixados até agora ({rate} por segundo, {elapsed} s). Você pode continuar trabalhando enquanto isso.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="115"/>
        <source>Preparing this computer for offline work: {done} of {total} records. You can keep working meanwhile.</source>
        <translation>Preparando este computador para trabalhar offline: {done} de {total} registros. Você pode continuar trabalhando enquanto isso.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="119"/>
        <source>Preparing this computer for offline work: {done} of {total} records · about {left} left. You can keep working meanwhile.</source>
        <translation>Preparando este computador para trabalhar offline: {done} de {total} registros · faltam cerca de {left}. Você pode continuar trabalhando enquanto isso.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="127"/>
        <source>{seconds} s</source>
        <translation>{seconds} s</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="128"/>
        <source>{minutes} min</source>
        <translation>{minutes} min</translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <location filename="../../desktop/ui/shell/lock_screen.py" line="89"/>
        <source>Locked</source>
        <translation>Bloqueado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/lock_screen.py" line="95"/>
        <source>WardDesk is locked</source>
        <translation>O WardDesk está bloqueado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/lock_screen.py" line="102"/>
        <source>Signed in as {name} ({username}).</source>
        <translation>Conectado como {name} ({username}).</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/lock_screen.py" line="107"/>
        <source>Password</source>
        <translation>Senha</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/lock_screen.py" line="111"/>
        <source>Unlock message</source>
        <translation>Mensagem de desbloqueio</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/lock_screen.py" line="112"/>
        <source>Unlock</source>
        <translation>Desbloquear</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/lock_screen.py" line="114"/>
        <source>Switch user</source>
        <translation>Trocar de usuário</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/lock_screen.py" line="115"/>
        <source>Sign out and let someone else sign in</source>
        <translation>Sair e deixar outra pessoa entrar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/lock_screen.py" line="118"/>
        <source>&amp;Password:</source>
        <translation>&amp;Senha:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/lock_screen.py" line="149"/>
        <source>Enter your password to unlock.</source>
        <translation>Digite sua senha para desbloquear.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/lock_screen.py" line="165"/>
        <source>That is not your password. Try again, or switch user.</source>
        <translation>Essa não é a sua senha. Tente de novo ou troque de usuário.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="115"/>
        <source>WardDesk · {name}</source>
        <translation>WardDesk · {name}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="120"/>
        <source>Working offline</source>
        <translation>Trabalhando offline</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="122"/>
        <source>Keyring notice</source>
        <translation>Aviso sobre o chaveiro</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="127"/>
        <source>Working offline: {reason} You are working from what this computer saved at the last sync. Your changes are kept and sent when the server is back.</source>
        <translation>Trabalhando offline: {reason} Você está trabalhando com o que este computador guardou na última sincronização. Suas alterações ficam guardadas e são enviadas quando o servidor voltar.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="135"/>
        <source>This computer has no keyring service: you stay signed in only while WardDesk is open.</source>
        <translation>Este computador não tem serviço de chaveiro: você continua conectado apenas enquanto o WardDesk estiver aberto.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="142"/>
        <source>Screens</source>
        <translation>Telas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="155"/>
        <source>There is nothing for the {role} role in this version of WardDesk yet.</source>
        <translation>Ainda não há nada para o perfil {role} nesta versão do WardDesk.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="205"/>
        <source>{name} · {role}</source>
        <translation>{name} · {role}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="206"/>
        <source>Signed-in user</source>
        <translation>Usuário conectado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="216"/>
        <source>&amp;Session</source>
        <translation>&amp;Sessão</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="218"/>
        <source>&amp;Lock</source>
        <translation>&amp;Bloquear</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="220"/>
        <source>S&amp;witch user</source>
        <translation>&amp;Trocar de usuário</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="221"/>
        <source>Sign &amp;out</source>
        <translation>&amp;Sair</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/main_window.py" line="223"/>
        <source>&amp;Quit</source>
        <translation>&amp;Fechar o WardDesk</translation>
    </message>
    <message numerus="yes">
        <source>%n changes made here have not reached the server yet.</source>
        <translation>
            <numerusform>%n alteração feita aqui ainda não chegou ao servidor.</numerusform>
            <numerusform>%n alterações feitas aqui ainda não chegaram ao servidor.</numerusform>
        </translation>
    </message>
    <message>
        <source>Changes not sent yet</source>
        <translation>Alterações ainda não enviadas</translation>
    </message>
    <message>
        <source>If you sign out now they stay on this computer and are sent only when you sign in here again: until then nobody else sees them. Stay signed in until the status bar shows nothing queued, or sign out anyway.</source>
        <translation>Se você sair agora, elas ficam neste computador e só são enviadas quando você entrar aqui de novo: até lá ninguém mais as vê. Continue conectado até a barra de status não mostrar nada na fila, ou saia mesmo assim.</translation>
    </message>
    <message>
        <source>Stay signed in</source>
        <translation>Continuar conectado</translation>
    </message>
    <message>
        <source>Sign out anyway</source>
        <translation>Sair mesmo assim</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Exibir</translation>
    </message>
    <message>
        <source>&amp;Notifications</source>
        <translation>&amp;Notificações</translation>
    </message>
    <message>
        <source>The server stopped answering at {time}.</source>
        <translation>O servidor parou de responder às {time}.</translation>
    </message>
    <message>
        <source>The connection to the server was lost at {time}.</source>
        <translation>A conexão com o servidor caiu às {time}.</translation>
    </message>
    <message>
        <source>Keep working: your changes are saved on this computer and sent when it is back. Changes others make meanwhile (the pharmacy, the schedulers) reach you only then.</source>
        <translation>Continue trabalhando: suas alterações ficam salvas neste computador e são enviadas quando ela voltar. O que outras pessoas alterarem enquanto isso (a farmácia, os agendadores) só chega até você então.</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>A&amp;juda</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>&amp;Atalhos de teclado</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Atalhos de teclado</translation>
    </message>
    <message>
        <source>Next / previous control (also out of lists and tables)</source>
        <translation>Controle seguinte / anterior (também para sair de listas e tabelas)</translation>
    </message>
    <message>
        <source>Arrow keys</source>
        <translation>Setas</translation>
    </message>
    <message>
        <source>Move within a list, a table or the calendar</source>
        <translation>Mover-se em uma lista, uma tabela ou no calendário</translation>
    </message>
    <message>
        <source>Open what is selected; in the calendar, book a free time</source>
        <translation>Abrir o que está selecionado; no calendário, marcar um horário livre</translation>
    </message>
    <message>
        <source>Calendar: previous / next week or day</source>
        <translation>Calendário: semana ou dia anterior / seguinte</translation>
    </message>
    <message>
        <source>Calendar: week view / day view</source>
        <translation>Calendário: visão da semana / do dia</translation>
    </message>
    <message>
        <source>Go to the first, second… screen</source>
        <translation>Ir para a primeira, a segunda… tela</translation>
    </message>
    <message>
        <source>Open or close the notifications</source>
        <translation>Abrir ou fechar as notificações</translation>
    </message>
    <message>
        <source>Close a dialog (a ticket being written is kept as a draft)</source>
        <translation>Fechar uma janela (um pedido em edição fica guardado como rascunho)</translation>
    </message>
    <message>
        <source>Lock the workstation</source>
        <translation>Bloquear a estação de trabalho</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Sair</translation>
    </message>
    <message>
        <source>This list</source>
        <translation>Esta lista</translation>
    </message>
    <message>
        <source>Find a patient</source>
        <translation>Procurar um paciente</translation>
    </message>
    <message>
        <source>Find a patient (Ctrl+F)</source>
        <translation>Procurar um paciente (Ctrl+F)</translation>
    </message>
</context>
<context>
    <name>MultiDoctorDayView</name>
    <message>
        <location filename="../../desktop/ui/calendar/views.py" line="226"/>
        <source>Day of several doctors</source>
        <translation>Dia de vários médicos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/views.py" line="236"/>
        <source>Previous day</source>
        <translation>Dia anterior</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/views.py" line="236"/>
        <source>Next day</source>
        <translation>Próximo dia</translation>
    </message>
</context>
<context>
    <name>PatientSearchModel</name>
    <message>
        <location filename="../../desktop/ui/calendar/booking_dialog.py" line="66"/>
        <source>Born {date}</source>
        <translation>Nascido(a) em {date}</translation>
    </message>
</context>
<context>
    <name>RescheduleDialog</name>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="263"/>
        <source>Move the appointment</source>
        <translation>Remarcar a consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="270"/>
        <source>New date</source>
        <translation>Nova data</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="274"/>
        <source>New start time</source>
        <translation>Nova hora de início</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="278"/>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="279"/>
        <source>Duration in minutes</source>
        <translation>Duração em minutos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="281"/>
        <source>The appointment keeps its place until the server confirms the new time.</source>
        <translation>A consulta mantém o horário atual até o servidor confirmar o novo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="285"/>
        <source>New &amp;date:</source>
        <translation>Nova &amp;data:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="286"/>
        <source>New &amp;time:</source>
        <translation>Nova &amp;hora:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="287"/>
        <source>D&amp;uration:</source>
        <translation>D&amp;uração:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="291"/>
        <source>&amp;Move</source>
        <translation>&amp;Remarcar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/appointment_dialogs.py" line="292"/>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
</context>
<context>
    <name>Role</name>
    <message>
        <location filename="../../desktop/ui/shell/screens.py" line="79"/>
        <source>Doctor</source>
        <translation>Médico</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/screens.py" line="80"/>
        <source>Nurse</source>
        <translation>Enfermagem</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/screens.py" line="81"/>
        <source>Pharmacist</source>
        <translation>Farmacêutico</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/screens.py" line="82"/>
        <source>Scheduler</source>
        <translation>Agendamento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/screens.py" line="83"/>
        <source>Administrator</source>
        <translation>Administrador</translation>
    </message>
</context>
<context>
    <name>Screens</name>
    <message>
        <location filename="../../desktop/ui/shell/screens.py" line="57"/>
        <source>Calendar</source>
        <translation>Agenda</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/screens.py" line="63"/>
        <source>Refill tickets</source>
        <translation>Pedidos de reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/screens.py" line="80"/>
        <source>Sync health</source>
        <translation>Saúde da sincronização</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/screens.py" line="69"/>
        <source>Conflicts</source>
        <translation>Conflitos</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>Pacientes</translation>
    </message>
    <message>
        <source>Cash report</source>
        <translation>Relatório de caixa</translation>
    </message>
</context>
<context>
    <name>Shell</name>
    <message>
        <location filename="../../desktop/ui/shell/flow.py" line="39"/>
        <source>WardDesk: something went wrong</source>
        <translation>WardDesk: algo deu errado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/flow.py" line="41"/>
        <source>A background task failed. Your saved work is safe; try again, and if this keeps happening tell IT what you were doing.</source>
        <translation>Uma tarefa em segundo plano falhou. Seu trabalho salvo está seguro; tente de novo e, se continuar acontecendo, conte à equipe de TI o que você estava fazendo.</translation>
    </message>
</context>
<context>
    <name>SignIn</name>
    <message>
        <location filename="../../desktop/ops/session.py" line="196"/>
        <source>The server cannot be reached, and {username} has not signed in on this computer before, so WardDesk cannot check the password. Sign in once while the network works, or use a computer you have used before.</source>
        <translation>Não foi possível acessar o servidor, e {username} nunca entrou neste computador antes, então o WardDesk não tem como conferir a senha. Entre uma vez enquanto a rede estiver funcionando ou use um computador que você já usou.</translation>
    </message>
    <message>
        <location filename="../../desktop/ops/session.py" line="209"/>
        <source>Wrong user name or password (checked on this computer: the server cannot be reached).</source>
        <translation>Usuário ou senha incorretos (conferido neste computador: não foi possível acessar o servidor).</translation>
    </message>
    <message>
        <location filename="../../desktop/ops/session.py" line="217"/>
        <source>This computer&apos;s offline sign-in data for {username} is damaged; sign in while online.</source>
        <translation>Os dados de acesso offline de {username} neste computador estão danificados; entre enquanto estiver online.</translation>
    </message>
    <message>
        <location filename="../../desktop/ops/session.py" line="265"/>
        <source>The server refused the sign-in (HTTP {status}).</source>
        <translation>O servidor recusou o acesso (HTTP {status}).</translation>
    </message>
    <message>
        <location filename="../../desktop/ops/session.py" line="304"/>
        <source>The server at {server} cannot be reached.</source>
        <translation>Não foi possível acessar o servidor em {server}.</translation>
    </message>
    <message>
        <location filename="../../desktop/ops/session.py" line="308"/>
        <source>The server at {server} is not answering (HTTP {status}).</source>
        <translation>O servidor em {server} não está respondendo (HTTP {status}).</translation>
    </message>
    <message>
        <source>The server at {server} cannot be reached. Try again when the network is back.</source>
        <translation>O servidor em {server} não pode ser acessado. Tente de novo quando a rede voltar.</translation>
    </message>
    <message>
        <source>The server answered for another account.</source>
        <translation>O servidor respondeu por outra conta.</translation>
    </message>
    <message>
        <source>{server} answered, but it is not a WardDesk sync server (HTTP {status}). Check the address and the port; IT can tell you the right one.</source>
        <translation>{server} respondeu, mas não é um servidor de sincronização do WardDesk (HTTP {status}). Confira o endereço e a porta; a TI pode informar o correto.</translation>
    </message>
    <message>
        <source>The server at {server} did not answer in time: the network or the server is slow or down.</source>
        <translation>O servidor em {server} não respondeu a tempo: a rede ou o servidor está lento ou fora do ar.</translation>
    </message>
    <message>
        <source>No computer called {host} is known on this network: check the server address for typos.</source>
        <translation>Nenhum computador chamado {host} é conhecido nesta rede: confira se o endereço do servidor está digitado certo.</translation>
    </message>
    <message>
        <source>Nothing answers at {server}: the WardDesk server is not running there, or the port is wrong.</source>
        <translation>Nada responde em {server}: o servidor do WardDesk não está rodando lá, ou a porta está errada.</translation>
    </message>
</context>
<context>
    <name>SignInWindow</name>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="52"/>
        <source>WardDesk: sign in</source>
        <translation>WardDesk: entrar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="53"/>
        <source>Sign in to WardDesk</source>
        <translation>Entrar no WardDesk</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="55"/>
        <source>WardDesk</source>
        <translation>WardDesk</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="60"/>
        <source>Sign in with your hospital account.</source>
        <translation>Entre com sua conta do hospital.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="63"/>
        <source>Server address</source>
        <translation>Endereço do servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="66"/>
        <source>User name</source>
        <translation>Usuário</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="69"/>
        <source>Password</source>
        <translation>Senha</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="75"/>
        <source>Sign-in message</source>
        <translation>Mensagem de acesso</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="82"/>
        <source>Keyring notice</source>
        <translation>Aviso sobre o chaveiro</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="88"/>
        <source>Signing in</source>
        <translation>Entrando</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="90"/>
        <source>&amp;Sign in</source>
        <translation>&amp;Entrar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="95"/>
        <source>Ser&amp;ver:</source>
        <translation>Ser&amp;vidor:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="96"/>
        <source>&amp;User name:</source>
        <translation>&amp;Usuário:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="97"/>
        <source>&amp;Password:</source>
        <translation>&amp;Senha:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="133"/>
        <source>This computer has no keyring service to keep your sign-in safely, so you will stay signed in only while WardDesk is open. Nothing secret is written to disk.</source>
        <translation>Este computador não tem serviço de chaveiro para guardar seu acesso com segurança, então você continuará conectado apenas enquanto o WardDesk estiver aberto. Nada secreto é gravado no disco.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="152"/>
        <source>Enter the server address, for example https://warddesk.hospital.example.</source>
        <translation>Digite o endereço do servidor, por exemplo https://warddesk.hospital.example.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="156"/>
        <source>Enter your user name and password.</source>
        <translation>Digite seu usuário e sua senha.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sign_in.py" line="175"/>
        <source>Signing in failed unexpectedly. Try again; if it keeps failing, call IT.</source>
        <translation>O acesso falhou de forma inesperada. Tente de novo; se continuar falhando, chame a equipe de TI.</translation>
    </message>
</context>
<context>
    <name>SyncList</name>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="1"/>
        <source>Record attendance</source>
        <translation>Registrar comparecimento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="36"/>
        <source>Submit refill ticket</source>
        <translation>Enviar pedido de reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="37"/>
        <source>Edit refill ticket</source>
        <translation>Editar pedido de reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="38"/>
        <source>Cancel refill ticket</source>
        <translation>Cancelar pedido de reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="39"/>
        <source>Approve refill ticket</source>
        <translation>Aprovar pedido de reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="40"/>
        <source>Reject refill ticket</source>
        <translation>Recusar pedido de reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="41"/>
        <source>Start preparing refill</source>
        <translation>Começar a preparar a reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="44"/>
        <source>Dispatch refill</source>
        <translation>Despachar reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="45"/>
        <source>Confirm refill received</source>
        <translation>Confirmar recebimento da reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="46"/>
        <source>Close refill ticket</source>
        <translation>Encerrar pedido de reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="47"/>
        <source>Book appointment</source>
        <translation>Marcar consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="48"/>
        <source>Reschedule appointment</source>
        <translation>Remarcar consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="49"/>
        <source>Cancel appointment</source>
        <translation>Cancelar consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="50"/>
        <source>Mark notification read</source>
        <translation>Marcar notificação como lida</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="57"/>
        <source>Waiting to be sent</source>
        <translation>Aguardando envio</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="58"/>
        <source>Sent, waiting for the server</source>
        <translation>Enviada, aguardando o servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="59"/>
        <source>Applied</source>
        <translation>Aplicada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="60"/>
        <source>Rejected</source>
        <translation>Recusada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="61"/>
        <source>Conflict: someone changed it first</source>
        <translation>Conflito: outra pessoa alterou antes</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="101"/>
        <source>Change</source>
        <translation>Alteração</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="102"/>
        <source>Status</source>
        <translation>Situação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="103"/>
        <source>Made</source>
        <translation>Feita em</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="104"/>
        <source>Reason</source>
        <translation>Motivo</translation>
    </message>
</context>
<context>
    <name>SyncListDialog</name>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="135"/>
        <source>Changes not yet settled</source>
        <translation>Alterações ainda não concluídas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="140"/>
        <source>Queued, rejected and conflicting changes</source>
        <translation>Alterações na fila, recusadas e em conflito</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="171"/>
        <source>Every change you made that the server has not accepted yet. Waiting changes are sent automatically; rejected ones say why.</source>
        <translation>Todas as alterações que você fez e que o servidor ainda não aceitou. As que estão aguardando são enviadas automaticamente; as recusadas dizem o motivo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/sync_list.py" line="176"/>
        <source>All your changes have reached the server.</source>
        <translation>Todas as suas alterações chegaram ao servidor.</translation>
    </message>
</context>
<context>
    <name>SyncStatus</name>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="16"/>
        <source>Online</source>
        <translation>Online</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="17"/>
        <source>Offline</source>
        <translation>Offline</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="18"/>
        <source>Syncing…</source>
        <translation>Sincronizando…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="19"/>
        <source>Server unavailable</source>
        <translation>Servidor indisponível</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="20"/>
        <source>Update required</source>
        <translation>Atualização necessária</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="21"/>
        <source>Sign in again to sync</source>
        <translation>Entre de novo para sincronizar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="22"/>
        <source>Sync failed</source>
        <translation>Falha na sincronização</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="23"/>
        <source>Local storage problem</source>
        <translation>Problema no armazenamento local</translation>
    </message>
</context>
<context>
    <name>SyncStatusButton</name>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="82"/>
        <source>Syncing… {rows} records</source>
        <translation>Sincronizando… {rows} registros</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="86"/>
        <source>Queued: {count}</source>
        <translation>Na fila: {count}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="88"/>
        <source>Rejected: {count}</source>
        <translation>Recusadas: {count}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="90"/>
        <source>Conflicts: {count}</source>
        <translation>Conflitos: {count}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="95"/>
        <source>Click to see the changes not yet settled.</source>
        <translation>Clique para ver as alterações ainda não concluídas.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="96"/>
        <source>Sync status</source>
        <translation>Situação da sincronização</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="101"/>
        <source>Not synced yet</source>
        <translation>Ainda não sincronizado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/shell/status_bar.py" line="108"/>
        <source>Last sync {time}</source>
        <translation>Última sincronização {time}</translation>
    </message>
</context>
<context>
    <name>WeekView</name>
    <message>
        <location filename="../../desktop/ui/calendar/views.py" line="190"/>
        <source>Week of {doctor}</source>
        <translation>Semana de {doctor}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/views.py" line="209"/>
        <source>{doctor} · {start} – {end}</source>
        <translation>{doctor} · {start} – {end}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/views.py" line="216"/>
        <source>Previous week</source>
        <translation>Semana anterior</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/views.py" line="216"/>
        <source>Next week</source>
        <translation>Próxima semana</translation>
    </message>
</context>
<context>
    <name>text</name>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="68"/>
        <source>Priority</source>
        <translation>Prioridade</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="69"/>
        <source>Status</source>
        <translation>Situação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="70"/>
        <source>Ward</source>
        <translation>Unidade</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="71"/>
        <source>Medications</source>
        <translation>Medicamentos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="72"/>
        <source>Needed by</source>
        <translation>Necessário até</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="73"/>
        <source>Submitted</source>
        <translation>Enviado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="74"/>
        <source>Requested by</source>
        <translation>Solicitado por</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="75"/>
        <source>On this workstation</source>
        <translation>Nesta estação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="290"/>
        <source> · discrepancy</source>
        <translation> · divergência</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="301"/>
        <source>Waiting for the server</source>
        <translation>Aguardando o servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="309"/>
        <source>+{count} more</source>
        <translation>+{count} outros</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="315"/>
        <source>Priority: {priority}</source>
        <translation>Prioridade: {priority}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="316"/>
        <source>Status: {status}</source>
        <translation>Situação: {status}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="321"/>
        <source>Needed by {time}</source>
        <translation>Necessário até {time}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="323"/>
        <source>A change made here is waiting for the server.</source>
        <translation>Uma alteração feita aqui aguarda o servidor.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="325"/>
        <source>Received with a discrepancy.</source>
        <translation>Recebido com divergência.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/model.py" line="382"/>
        <source>{label}, dispensed by the {unit}</source>
        <translation>{label}, dispensado por {unit}</translation>
    </message>
</context>
<context>
    <name>Refusal</name>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="34"/>
        <source>This patient is not in your care.</source>
        <translation>Este paciente não está sob seus cuidados.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="35"/>
        <source>The server already received a different change under the same number.</source>
        <translation>O servidor já recebeu outra alteração com o mesmo número.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="38"/>
        <source>The server was restored from a backup; the change is sent again.</source>
        <translation>O servidor foi restaurado de um backup; a alteração é enviada novamente.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>Someone else booked this time first.</source>
        <translation>Outra pessoa marcou este horário primeiro.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>The patient already has an appointment at this time.</source>
        <translation>O paciente já tem uma consulta neste horário.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>The doctor does not see patients at this time.</source>
        <translation>O médico não atende neste horário.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>The server could not confirm the booking in time.</source>
        <translation>O servidor não conseguiu confirmar a marcação a tempo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>The server could not complete the booking; try again later.</source>
        <translation>O servidor não conseguiu concluir a marcação; tente novamente mais tarde.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>You are not allowed to make this change.</source>
        <translation>Você não tem permissão para fazer esta alteração.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>This step no longer applies: the record has moved on meanwhile.</source>
        <translation>Esta etapa já não se aplica: o registro mudou entretanto.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>Someone else changed this record first.</source>
        <translation>Outra pessoa alterou este registro primeiro.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>The change clashes with the server's current record.</source>
        <translation>A alteração conflita com o registro atual do servidor.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>The record no longer exists on the server.</source>
        <translation>O registro já não existe no servidor.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>The server could not accept the change as it was written.</source>
        <translation>O servidor não pôde aceitar a alteração como foi escrita.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/refusals.py" line="14"/>
        <source>No reason was given.</source>
        <translation>Nenhum motivo foi informado.</translation>
    </message>
</context>
<context>
    <name>Tickets</name>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="1"/>
        <source>Needed by: {time}</source>
        <translation>Necessário até: {time}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="1"/>
        <source>Notes: {notes}</source>
        <translation>Observações: {notes}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="1"/>
        <source>Priority: {priority}</source>
        <translation>Prioridade: {priority}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="1"/>
        <source>New refill ticket</source>
        <translation>Novo pedido de medicação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="1"/>
        <source>Preparation started</source>
        <translation>Preparação iniciada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="1"/>
        <source>Receipt confirmed</source>
        <translation>Recebimento confirmado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="1"/>
        <source>Refused by the server</source>
        <translation>Recusado pelo servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="80"/>
        <source>Reason</source>
        <translation>Motivo</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="134"/>
        <source>Approve refill ticket</source>
        <translation>Aprovar pedido de reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="135"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="195"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="261"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="348"/>
        <source>Medication</source>
        <translation>Medicamento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="135"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="348"/>
        <source>Requested</source>
        <translation>Solicitado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="135"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="163"/>
        <source>Approve</source>
        <translation>Aprovar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="135"/>
        <source>Reason (when less)</source>
        <translation>Motivo (se menos)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="148"/>
        <source>Quantity approved of {medication}</source>
        <translation>Quantidade aprovada de {medication}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="151"/>
        <source>Why less of {medication}</source>
        <translation>Por que menos {medication}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="152"/>
        <source>e.g. out of stock, dose changed</source>
        <translation>ex.: sem estoque, dose alterada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="160"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="228"/>
        <source>Note for the ward (optional)</source>
        <translation>Observação para a unidade (opcional)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="161"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="229"/>
        <source>Note for the ward</source>
        <translation>Observação para a unidade</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="173"/>
        <source>Say why less {medication} is approved.</source>
        <translation>Diga por que foi aprovado menos {medication}.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="175"/>
        <source>Nothing is approved: reject the ticket instead, with the reason.</source>
        <translation>Nada foi aprovado: recuse o pedido, informando o motivo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="194"/>
        <source>Dispatch refill ticket</source>
        <translation>Despachar pedido de medicação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="195"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="348"/>
        <location filename="../../desktop/ui/tickets/text.py" line="22"/>
        <location filename="../../desktop/ui/tickets/text.py" line="50"/>
        <source>Approved</source>
        <translation>Aprovado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="195"/>
        <source>Sent before</source>
        <translation>Já enviado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="195"/>
        <source>Send now</source>
        <translation>Enviar agora</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="209"/>
        <source>Quantity of {medication} sent now</source>
        <translation>Quantidade de {medication} enviada agora</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="213"/>
        <source>Keep the rest open: it will be sent later</source>
        <translation>Manter o restante em aberto: será enviado depois</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="214"/>
        <source>Cancel the rest: it will not be supplied</source>
        <translation>Cancelar o restante: não será fornecido</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="223"/>
        <source>What is not sent now:</source>
        <translation>O que não for enviado agora:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="231"/>
        <source>Dispatch</source>
        <translation>Despachar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="243"/>
        <source>This dispatch sends nothing: enter what is sent now, or cancel the rest.</source>
        <translation>Este despacho não envia nada: informe o que vai agora ou cancele o restante.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="260"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="288"/>
        <source>Confirm receipt</source>
        <translation>Confirmar recebimento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="261"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="348"/>
        <location filename="../../desktop/ui/tickets/text.py" line="25"/>
        <location filename="../../desktop/ui/tickets/text.py" line="53"/>
        <source>Dispatched</source>
        <translation>Despachado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="261"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="348"/>
        <location filename="../../desktop/ui/tickets/text.py" line="26"/>
        <source>Received</source>
        <translation>Recebido</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="261"/>
        <source>Note</source>
        <translation>Observação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="275"/>
        <source>Quantity of {medication} received</source>
        <translation>Quantidade de {medication} recebida</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="278"/>
        <source>Note about {medication}</source>
        <translation>Observação sobre {medication}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="279"/>
        <source>e.g. 2 ampoules broken</source>
        <translation>ex.: 2 ampolas quebradas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="298"/>
        <source>Discrepancy on {lines}: the pharmacy will be told.</source>
        <translation>Divergência em {lines}: a farmácia será avisada.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="300"/>
        <source>Everything dispatched arrived.</source>
        <translation>Tudo o que foi despachado chegou.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="334"/>
        <source>Refill ticket details</source>
        <translation>Detalhes do pedido de medicação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="346"/>
        <source>Medications of the ticket</source>
        <translation>Medicamentos do pedido</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="348"/>
        <location filename="../../desktop/ui/tickets/editor.py" line="286"/>
        <source>Notes</source>
        <translation>Observações</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="360"/>
        <source>Timeline of the ticket</source>
        <translation>Histórico do pedido</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="366"/>
        <source>Approve…</source>
        <translation>Aprovar…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="367"/>
        <source>Reject…</source>
        <translation>Recusar…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="368"/>
        <source>Start preparation</source>
        <translation>Iniciar preparação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="369"/>
        <source>Dispatch…</source>
        <translation>Despachar…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="370"/>
        <source>Confirm receipt…</source>
        <translation>Confirmar recebimento…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="371"/>
        <source>Close ticket</source>
        <translation>Encerrar pedido</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="372"/>
        <source>Cancel ticket…</source>
        <translation>Cancelar pedido…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="386"/>
        <source>Select a ticket to see its details.</source>
        <translation>Selecione um pedido para ver os detalhes.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="401"/>
        <source>Timeline</source>
        <translation>Histórico</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="430"/>
        <source>Ward: {ward}</source>
        <translation>Unidade: {ward}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="431"/>
        <source>Requested by: {name}</source>
        <translation>Solicitado por: {name}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="431"/>
        <source>you (not sent yet)</source>
        <translation>você (ainda não enviado)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="433"/>
        <source>no deadline</source>
        <translation>sem prazo</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="435"/>
        <source>Submitted: {time}</source>
        <translation>Enviado: {time}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="440"/>
        <source>Rejected because: {reason}</source>
        <translation>Recusado porque: {reason}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="442"/>
        <source>Cancelled because: {reason}</source>
        <translation>Cancelado porque: {reason}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="444"/>
        <source>Received with a discrepancy (reported to the pharmacy).</source>
        <translation>Recebido com divergência (comunicada à farmácia).</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="461"/>
        <source>Cancel is no longer available: the pharmacy has already acted on this ticket (it is {status}). Contact the pharmacy to change it.</source>
        <translation>Não é mais possível cancelar: a farmácia já atuou neste pedido (ele está {status}). Fale com a farmácia para alterá-lo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="465"/>
        <source>This ticket has been cancelled.</source>
        <translation>Este pedido foi cancelado.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="476"/>
        <source>rest cancelled</source>
        <translation>restante cancelado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="502"/>
        <source>{name} ({role})</source>
        <translation>{name} ({role})</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="503"/>
        <source>{time} · {action} by {who}</source>
        <translation>{time} · {action} por {who}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="507"/>
        <source>{time} · {action} on this workstation: {state}</source>
        <translation>{time} · {action} nesta estação: {state}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="533"/>
        <source>Reject refill ticket</source>
        <translation>Recusar pedido de reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="534"/>
        <source>Why is this ticket rejected? The ward reads this.</source>
        <translation>Por que este pedido foi recusado? A unidade lerá esta resposta.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="535"/>
        <source>Reject</source>
        <translation>Recusar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="540"/>
        <source>Cancel refill ticket</source>
        <translation>Cancelar pedido de reposição</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="541"/>
        <source>Why is this ticket no longer needed? The pharmacy reads this.</source>
        <translation>Por que este pedido não é mais necessário? A farmácia lerá esta resposta.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/detail.py" line="542"/>
        <source>Cancel ticket</source>
        <translation>Cancelar pedido</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="88"/>
        <source>Type a medication name or code</source>
        <translation>Digite o nome ou o código do medicamento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="89"/>
        <source>Medication, line {number}</source>
        <translation>Medicamento, linha {number}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="98"/>
        <source>Quantity</source>
        <translation>Quantidade</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="99"/>
        <source>Quantity, line {number}</source>
        <translation>Quantidade, linha {number}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="102"/>
        <source>Unit, line {number}</source>
        <translation>Unidade, linha {number}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="103"/>
        <source>Unit…</source>
        <translation>Unidade…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="107"/>
        <source>Remove</source>
        <translation>Remover</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="108"/>
        <source>Remove line {number}</source>
        <translation>Remover a linha {number}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="210"/>
        <source>Refill ticket</source>
        <translation>Pedido de medicação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="210"/>
        <source>Refill ticket (draft)</source>
        <translation>Pedido de medicação (rascunho)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="211"/>
        <source>Refill ticket editor</source>
        <translation>Editor de pedido de medicação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="215"/>
        <location filename="../../desktop/ui/tickets/editor.py" line="283"/>
        <source>Ward</source>
        <translation>Unidade</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="233"/>
        <location filename="../../desktop/ui/tickets/editor.py" line="235"/>
        <source>Needed by</source>
        <translation>Necessário até</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="249"/>
        <source>Notes for the pharmacy</source>
        <translation>Observações para a farmácia</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="250"/>
        <source>Notes for the pharmacy (optional)</source>
        <translation>Observações para a farmácia (opcional)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="263"/>
        <source>Add medication</source>
        <translation>Incluir medicamento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="264"/>
        <source>Add a medication line</source>
        <translation>Incluir uma linha de medicamento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="273"/>
        <source>Save draft</source>
        <translation>Salvar rascunho</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="274"/>
        <source>Keep the draft on this workstation; it is not sent.</source>
        <translation>Guarda o rascunho nesta estação; ele não é enviado.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="275"/>
        <source>Submit to pharmacy</source>
        <translation>Enviar à farmácia</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="277"/>
        <source>Close</source>
        <translation>Fechar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="284"/>
        <source>Priority</source>
        <translation>Prioridade</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="288"/>
        <source>Medications</source>
        <translation>Medicamentos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="375"/>
        <source>Send the ticket to the pharmacy (queued while offline).</source>
        <translation>Envia o pedido à farmácia (fica na fila enquanto sem conexão).</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="377"/>
        <source>Fix the problems shown first.</source>
        <translation>Corrija antes os problemas indicados.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="407"/>
        <source>Draft saved on this workstation at {time}.</source>
        <translation>Rascunho salvo nesta estação às {time}.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/editor.py" line="431"/>
        <source>Not saved: {reason}</source>
        <translation>Não salvo: {reason}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="70"/>
        <source>The change could not be made: {reason}</source>
        <translation>Não foi possível fazer a alteração: {reason}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="141"/>
        <source>Number of tickets shown</source>
        <translation>Número de pedidos exibidos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="231"/>
        <source>{count} tickets shown, {stat} of them STAT</source>
        <translation>{count} pedidos exibidos, {stat} deles IMEDIATOS</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="314"/>
        <source>Any priority</source>
        <translation>Qualquer prioridade</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="358"/>
        <source>Refill tickets of my wards</source>
        <translation>Pedidos de medicação das minhas unidades</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="362"/>
        <source>Show tickets by status</source>
        <translation>Mostrar pedidos por situação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="363"/>
        <source>Open tickets</source>
        <translation>Pedidos em aberto</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="364"/>
        <location filename="../../desktop/ui/tickets/screens.py" line="555"/>
        <source>All tickets</source>
        <translation>Todos os pedidos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="368"/>
        <location filename="../../desktop/ui/tickets/screens.py" line="556"/>
        <source>Show tickets by priority</source>
        <translation>Mostrar pedidos por prioridade</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="370"/>
        <source>Show tickets by submission date</source>
        <translation>Mostrar pedidos por data de envio</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="371"/>
        <source>Any time</source>
        <translation>Qualquer data</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="371"/>
        <source>Today</source>
        <translation>Hoje</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="371"/>
        <source>Last 7 days</source>
        <translation>Últimos 7 dias</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="371"/>
        <source>Last 30 days</source>
        <translation>Últimos 30 dias</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="374"/>
        <location filename="../../desktop/ui/tickets/screens.py" line="558"/>
        <source>Show tickets of one ward</source>
        <translation>Mostrar pedidos de uma unidade</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="375"/>
        <source>All my wards</source>
        <translation>Todas as minhas unidades</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="379"/>
        <source>New refill ticket…</source>
        <translation>Novo pedido de medicação…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="390"/>
        <source>Drafts on this workstation</source>
        <translation>Rascunhos nesta estação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="393"/>
        <source>Continue draft</source>
        <translation>Continuar rascunho</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="394"/>
        <source>Delete draft</source>
        <translation>Excluir rascunho</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="437"/>
        <source>{medications} · {priority} · saved {time}</source>
        <translation>{medications} · {priority} · salvo em {time}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="438"/>
        <source>(no medication yet)</source>
        <translation>(ainda sem medicamento)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="447"/>
        <source>Drafts on this workstation ({count}, not sent)</source>
        <translation>Rascunhos nesta estação ({count}, não enviados)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="449"/>
        <source>No drafts on this workstation.</source>
        <translation>Nenhum rascunho nesta estação.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="543"/>
        <source>Pharmacy queue</source>
        <translation>Fila da farmácia</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="544"/>
        <source>Show part of the queue</source>
        <translation>Mostrar parte da fila</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="545"/>
        <source>Whole queue</source>
        <translation>Fila inteira</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="546"/>
        <source>To approve</source>
        <translation>A aprovar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="548"/>
        <source>To prepare and dispatch</source>
        <translation>A preparar e despachar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="552"/>
        <source>Dispatched and received</source>
        <translation>Despachados e recebidos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/screens.py" line="559"/>
        <source>All wards</source>
        <translation>Todas as unidades</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="20"/>
        <source>Draft</source>
        <translation>Rascunho</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="21"/>
        <location filename="../../desktop/ui/tickets/text.py" line="47"/>
        <source>Submitted</source>
        <translation>Enviado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="23"/>
        <location filename="../../desktop/ui/tickets/text.py" line="51"/>
        <source>Rejected</source>
        <translation>Recusada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="24"/>
        <source>In preparation</source>
        <translation>Em preparação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="27"/>
        <location filename="../../desktop/ui/tickets/text.py" line="55"/>
        <source>Closed</source>
        <translation>Encerrado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="28"/>
        <location filename="../../desktop/ui/tickets/text.py" line="49"/>
        <source>Cancelled</source>
        <translation>Cancelado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="37"/>
        <source>STAT</source>
        <translation>IMEDIATO</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="37"/>
        <source>Urgent</source>
        <translation>Urgente</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="37"/>
        <source>Routine</source>
        <translation>Rotina</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="48"/>
        <source>Edited</source>
        <translation>Editado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="65"/>
        <source>nurse</source>
        <translation>enfermagem</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="66"/>
        <source>pharmacist</source>
        <translation>farmácia</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="67"/>
        <source>administrator</source>
        <translation>administração</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="68"/>
        <source>doctor</source>
        <translation>médico</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="69"/>
        <source>scheduler</source>
        <translation>agendamento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="78"/>
        <source>tablet</source>
        <translation>comprimido</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="78"/>
        <source>tablets</source>
        <translation>comprimidos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="79"/>
        <source>capsule</source>
        <translation>cápsula</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="79"/>
        <source>capsules</source>
        <translation>cápsulas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="80"/>
        <source>ampoule</source>
        <translation>ampola</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="80"/>
        <source>ampoules</source>
        <translation>ampolas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="81"/>
        <source>vial</source>
        <translation>frasco-ampola</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="81"/>
        <source>vials</source>
        <translation>frascos-ampola</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="82"/>
        <source>bag</source>
        <translation>bolsa</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="82"/>
        <source>bags</source>
        <translation>bolsas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="83"/>
        <source>bottle</source>
        <translation>frasco</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="83"/>
        <source>bottles</source>
        <translation>frascos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="84"/>
        <source>tube</source>
        <translation>bisnaga</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="84"/>
        <source>tubes</source>
        <translation>bisnagas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="85"/>
        <source>inhaler</source>
        <translation>inalador</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="85"/>
        <source>inhalers</source>
        <translation>inaladores</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="86"/>
        <source>patch</source>
        <translation>adesivo</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="86"/>
        <source>patches</source>
        <translation>adesivos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="87"/>
        <source>suppository</source>
        <translation>supositório</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="87"/>
        <source>suppositories</source>
        <translation>supositórios</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="88"/>
        <source>ml</source>
        <translation>ml</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="97"/>
        <source>Waiting to be sent (offline)</source>
        <translation>Aguardando envio (sem conexão)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="98"/>
        <source>Sent, waiting for the server</source>
        <translation>Enviada, aguardando o servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="99"/>
        <source>Accepted by the server</source>
        <translation>Aceita pelo servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="101"/>
        <source>Conflicts with a change made elsewhere</source>
        <translation>Em conflito com uma alteração feita em outro lugar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="111"/>
        <source>Choose a medication from the formulary.</source>
        <translation>Escolha um medicamento da padronização.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="112"/>
        <source>A medication code has 2-32 letters, digits, dots or dashes.</source>
        <translation>Um código de medicamento tem de 2 a 32 letras, dígitos, pontos ou hifens.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="113"/>
        <source>Not in the formulary: pick one of the suggestions.</source>
        <translation>Fora da padronização: escolha uma das sugestões.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="114"/>
        <source>No longer stocked by the pharmacy.</source>
        <translation>A farmácia não tem mais este item.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="115"/>
        <source>Enter a quantity.</source>
        <translation>Informe a quantidade.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="116"/>
        <source>The quantity must be a whole number.</source>
        <translation>A quantidade deve ser um número inteiro.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="117"/>
        <source>The quantity must be between 1 and 100000.</source>
        <translation>A quantidade deve estar entre 1 e 100000.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="118"/>
        <source>Choose a unit.</source>
        <translation>Escolha a unidade.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="119"/>
        <source>This medication is dispensed by the {unit}.</source>
        <translation>Este medicamento é dispensado por {unit}.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="122"/>
        <source>Add at least one medication.</source>
        <translation>Inclua pelo menos um medicamento.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="123"/>
        <source>A ticket holds at most 50 medications.</source>
        <translation>Um pedido comporta no máximo 50 medicamentos.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="124"/>
        <source>A medication appears twice: put the whole quantity on one line.</source>
        <translation>Um medicamento aparece duas vezes: coloque a quantidade total em uma só linha.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="125"/>
        <source>Choose the ward.</source>
        <translation>Escolha a unidade de internação.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/tickets/text.py" line="126"/>
        <source>The needed-by time is in the past.</source>
        <translation>O horário de necessidade já passou.</translation>
    </message>
    <message numerus="yes">
        <source>%n tickets shown, {stat} of them STAT</source>
        <translation>
            <numerusform>%n pedido exibido, {stat} deles STAT</numerusform>
            <numerusform>%n pedidos exibidos, {stat} deles STAT</numerusform>
        </translation>
    </message>
    <message>
        <source>Refill tickets, one a row</source>
        <translation>Pedidos de reposição, um por linha</translation>
    </message>
    <message>
        <source>Open patient…</source>
        <translation>Abrir paciente…</translation>
    </message>
    <message>
        <source>Open the patient's screen</source>
        <translation>Abrir a ficha do paciente</translation>
    </message>
</context>
<context>
    <name>Inbox</name>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="1"/>
        <source>Attendance recorded</source>
        <translation>Comparecimento registrado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="133"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="432"/>
        <source>Needed by: {time}</source>
        <translation>Necessário até: {time}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="137"/>
        <location filename="../../desktop/ui/tickets/detail.py" line="438"/>
        <source>Notes: {notes}</source>
        <translation>Observações: {notes}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="131"/>
        <location filename="../../desktop/ui/tickets/editor.py" line="226"/>
        <source>Priority: {priority}</source>
        <translation>Prioridade: {priority}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="69"/>
        <location filename="../../desktop/ui/tickets/screens.py" line="380"/>
        <source>New refill ticket</source>
        <translation>Novo pedido de medicação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="70"/>
        <source>Refill ticket edited</source>
        <translation>Pedido de medicação editado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="71"/>
        <source>Refill ticket cancelled</source>
        <translation>Pedido de medicação cancelado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="72"/>
        <source>Refill ticket approved</source>
        <translation>Pedido de medicação aprovado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="73"/>
        <source>Refill ticket rejected</source>
        <translation>Pedido de medicação recusado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="74"/>
        <location filename="../../desktop/ui/tickets/text.py" line="52"/>
        <source>Preparation started</source>
        <translation>Preparação iniciada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="75"/>
        <source>Refill ticket dispatched</source>
        <translation>Pedido de medicação despachado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="76"/>
        <location filename="../../desktop/ui/tickets/text.py" line="54"/>
        <source>Receipt confirmed</source>
        <translation>Recebimento confirmado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="77"/>
        <source>Refill ticket closed</source>
        <translation>Pedido de medicação encerrado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="78"/>
        <source>Appointment booked</source>
        <translation>Consulta marcada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="79"/>
        <source>Appointment moved</source>
        <translation>Consulta remarcada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="80"/>
        <source>Appointment cancelled</source>
        <translation>Consulta cancelada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="81"/>
        <source>Notification read</source>
        <translation>Notificação lida</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="105"/>
        <source>approved</source>
        <translation>aprovado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="106"/>
        <source>dispatched</source>
        <translation>despachado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="107"/>
        <source>received</source>
        <translation>recebido</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="114"/>
        <source>line</source>
        <translation>linha</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="124"/>
        <source>(the server has no record of it)</source>
        <translation>(o servidor não tem registro disso)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="129"/>
        <source>Status: {status}</source>
        <translation>Situação: {status}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="135"/>
        <source>Starts: {time}</source>
        <translation>Início: {time}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="139"/>
        <source>Reason: {reason}</source>
        <translation>Motivo: {reason}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="142"/>
        <source>The rest stays open</source>
        <translation>O restante fica em aberto</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="142"/>
        <source>The rest is cancelled</source>
        <translation>O restante é cancelado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="146"/>
        <source>Server version {version}</source>
        <translation>Versão {version} no servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="147"/>
        <source>(no details)</source>
        <translation>(sem detalhes)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="175"/>
        <location filename="../../desktop/ui/inbox/screen.py" line="321"/>
        <source>Conflict</source>
        <translation>Conflito</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="175"/>
        <source>Refused</source>
        <translation>Recusada</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="206"/>
        <source>Conflicts and refused changes</source>
        <translation>Conflitos e alterações recusadas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="211"/>
        <source>Changes waiting for your decision</source>
        <translation>Alterações aguardando sua decisão</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="215"/>
        <source>Nothing waiting: every change made here was accepted.</source>
        <translation>Nada pendente: todas as alterações feitas aqui foram aceitas.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="223"/>
        <source>Why the server refused the change</source>
        <translation>Por que o servidor recusou a alteração</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="226"/>
        <source>Your version, on this workstation</source>
        <translation>Sua versão, nesta estação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="229"/>
        <source>The server&apos;s version</source>
        <translation>A versão do servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="230"/>
        <source>Keep mine</source>
        <translation>Manter a minha</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="231"/>
        <source>Send my change again, on top of the server&apos;s version.</source>
        <translation>Enviar minha alteração de novo, sobre a versão do servidor.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="232"/>
        <source>Take theirs</source>
        <translation>Ficar com a do servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="233"/>
        <source>Drop my change; the server&apos;s version stays.</source>
        <translation>Descartar minha alteração; fica a versão do servidor.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="234"/>
        <source>Edit and resend…</source>
        <translation>Editar e reenviar…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="235"/>
        <source>Dismiss</source>
        <translation>Dispensar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="236"/>
        <source>I have read why it was refused; forget the change.</source>
        <translation>Já li por que foi recusada; esquecer a alteração.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="247"/>
        <source>Why</source>
        <translation>Por quê</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="249"/>
        <source>Yours (this workstation)</source>
        <translation>A sua (nesta estação)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="250"/>
        <source>The server&apos;s</source>
        <translation>A do servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="324"/>
        <source>Made here on {time}</source>
        <translation>Feita aqui em {time}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="326"/>
        <source>No reason was given.</source>
        <translation>Nenhum motivo foi informado.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="385"/>
        <source>Your change was dropped. Redo it on the ticket as it is now.</source>
        <translation>Sua alteração foi descartada. Refaça-a no pedido como ele está agora.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/inbox/screen.py" line="321"/>
        <location filename="../../desktop/ui/tickets/text.py" line="100"/>
        <source>Refused by the server</source>
        <translation>Recusada pelo servidor</translation>
    </message>
</context>
<context>
    <name>Notifications</name>
    <message>
        <location filename="../../desktop/ui/notify.py" line="60"/>
        <source>{count} updates while you were away</source>
        <translation>{count} novidades enquanto você esteve fora</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/notify.py" line="62"/>
        <source>{count} updates</source>
        <translation>{count} novidades</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/notify.py" line="65"/>
        <source>{count} on your refill tickets</source>
        <translation>{count} nos seus pedidos de medicação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/notify.py" line="67"/>
        <source>{count} on your bookings</source>
        <translation>{count} nas suas marcações</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/notify.py" line="70"/>
        <source>{count} other</source>
        <translation>{count} outras</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/notify.py" line="75"/>
        <source>and {count} more</source>
        <translation>e mais {count}</translation>
    </message>
    <message numerus="yes">
        <source>%n unread</source>
        <translation>
            <numerusform>%n não lida</numerusform>
            <numerusform>%n não lidas</numerusform>
        </translation>
    </message>
    <message>
        <source>Refill ticket approved</source>
        <translation>Pedido de reposição aprovado</translation>
    </message>
    <message>
        <source>Refill ticket rejected</source>
        <translation>Pedido de reposição recusado</translation>
    </message>
    <message>
        <source>Refill ticket being prepared</source>
        <translation>Pedido de reposição em preparo</translation>
    </message>
    <message>
        <source>Refill ticket dispatched</source>
        <translation>Pedido de reposição enviado</translation>
    </message>
    <message>
        <source>Refill ticket partly dispatched</source>
        <translation>Pedido de reposição enviado em parte</translation>
    </message>
    <message>
        <source>Refill ticket received</source>
        <translation>Pedido de reposição recebido</translation>
    </message>
    <message>
        <source>Refill ticket closed</source>
        <translation>Pedido de reposição encerrado</translation>
    </message>
    <message>
        <source>Refill ticket cancelled</source>
        <translation>Pedido de reposição cancelado</translation>
    </message>
    <message>
        <source>Refill ticket changed</source>
        <translation>Pedido de reposição alterado</translation>
    </message>
    <message>
        <source>Discrepancy reported on a refill ticket</source>
        <translation>Divergência informada em um pedido de reposição</translation>
    </message>
    <message>
        <source>Appointment confirmed</source>
        <translation>Consulta confirmada</translation>
    </message>
    <message>
        <source>Appointment moved</source>
        <translation>Consulta remarcada</translation>
    </message>
    <message>
        <source>Appointment request refused</source>
        <translation>Pedido de consulta recusado</translation>
    </message>
    <message>
        <source>Appointment could not be kept</source>
        <translation>Não foi possível manter a consulta</translation>
    </message>
    <message>
        <source>Update</source>
        <translation>Atualização</translation>
    </message>
    <message>
        <source>unread</source>
        <translation>não lida</translation>
    </message>
    <message>
        <source>read</source>
        <translation>lida</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Notificações</translation>
    </message>
    <message>
        <source>Notifications ({unread}) · Ctrl+Shift+N</source>
        <translation>Notificações ({unread}) · Ctrl+Shift+N</translation>
    </message>
    <message>
        <source>Notification centre</source>
        <translation>Central de notificações</translation>
    </message>
    <message>
        <source>Mark all read</source>
        <translation>Marcar todas como lidas</translation>
    </message>
    <message>
        <source>Mark all notifications read</source>
        <translation>Marcar todas as notificações como lidas</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fechar</translation>
    </message>
    <message>
        <source>Close the notification centre</source>
        <translation>Fechar a central de notificações</translation>
    </message>
    <message>
        <source>Notifications, newest first</source>
        <translation>Notificações, as mais recentes primeiro</translation>
    </message>
    <message>
        <source>Nothing yet. When someone else changes your refill tickets or bookings, it appears here.</source>
        <translation>Nada por enquanto. Quando outra pessoa alterar seus pedidos de reposição ou suas marcações, isso aparece aqui.</translation>
    </message>
    <message>
        <source>Enter or double-click opens what a notification is about.</source>
        <translation>Enter ou clique duplo abre o assunto da notificação.</translation>
    </message>
    <message>
        <source>Notifications ({count})</source>
        <translation>Notificações ({count})</translation>
    </message>
</context>
<context>
    <name>Appointment</name>
    <message>
        <location filename="../../desktop/ui/calendar/model.py" line="33"/>
        <source>{day}, {start} to {end}</source>
        <translation>{day}, das {start} às {end}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/model.py" line="33"/>
        <source>Status: {status}</source>
        <translation>Situação: {status}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/model.py" line="33"/>
        <source>Waiting for the server&apos;s answer</source>
        <translation>Aguardando a resposta do servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/calendar/model.py" line="33"/>
        <source>Reason: {reason}</source>
        <translation>Motivo: {reason}</translation>
    </message>
</context>
<context>
    <name>Dates</name>
    <message numerus="yes">
        <source>%n years</source>
        <translation>
            <numerusform>%n ano</numerusform>
            <numerusform>%n anos</numerusform>
        </translation>
    </message>
    <message>
        <source>{date} ({age})</source>
        <translation>{date} ({age})</translation>
    </message>
</context>
<context>
    <name>SignInAgainBanner</name>
    <message>
        <source>Sign in again</source>
        <translation>Entrar de novo</translation>
    </message>
    <message>
        <source>Password of {username}</source>
        <translation>Senha de {username}</translation>
    </message>
    <message>
        <source>Password, to sign in again</source>
        <translation>Senha, para entrar de novo</translation>
    </message>
    <message>
        <source>Sign in again and resume syncing</source>
        <translation>Entrar de novo e retomar a sincronização</translation>
    </message>
    <message>
        <source>The server ended your session (it was signed out elsewhere, revoked or expired), so nothing is being sent or received. Type your password to sign in again; you keep working meanwhile.</source>
        <translation>O servidor encerrou sua sessão (saída feita em outro lugar, revogada ou expirada), então nada está sendo enviado nem recebido. Digite sua senha para entrar de novo; enquanto isso, você continua trabalhando.</translation>
    </message>
    <message numerus="yes">
        <source>%n changes made here are kept and will be sent then.</source>
        <translation>
            <numerusform>%n alteração feita aqui está guardada e será enviada então.</numerusform>
            <numerusform>%n alterações feitas aqui estão guardadas e serão enviadas então.</numerusform>
        </translation>
    </message>
    <message>
        <source>Type your password.</source>
        <translation>Digite sua senha.</translation>
    </message>
</context>
<context>
    <name>UpdateStatus</name>
    <message>
        <source>Update download</source>
        <translation>Download da atualização</translation>
    </message>
    <message>
        <source>Install update…</source>
        <translation>Instalar atualização…</translation>
    </message>
    <message>
        <source>Downloading WardDesk {version}…</source>
        <translation>Baixando o WardDesk {version}…</translation>
    </message>
    <message>
        <source>WardDesk {version} is available: ask IT to install it.</source>
        <translation>O WardDesk {version} está disponível: peça à TI para instalá-lo.</translation>
    </message>
    <message>
        <source>Installing WardDesk {version}…</source>
        <translation>Instalando o WardDesk {version}…</translation>
    </message>
    <message>
        <source>Update refused: {reason}</source>
        <translation>Atualização recusada: {reason}</translation>
    </message>
    <message>
        <source>WardDesk {version} is required: this version is no longer supported. Your changes are kept and sent after the update.</source>
        <translation>O WardDesk {version} é obrigatório: esta versão não é mais suportada. Suas alterações são mantidas e enviadas depois da atualização.</translation>
    </message>
    <message>
        <source>WardDesk {version} is ready.</source>
        <translation>O WardDesk {version} está pronto.</translation>
    </message>
    <message>
        <source>WardDesk {version} is ready; it installs once your changes are sent, or at the next start.</source>
        <translation>O WardDesk {version} está pronto; será instalado quando suas alterações forem enviadas, ou na próxima abertura.</translation>
    </message>
    <message>
        <source>Install the update</source>
        <translation>Instalar a atualização</translation>
    </message>
    <message>
        <source>Install the update now? WardDesk closes and starts again; nothing you saved is lost.</source>
        <translation>Instalar a atualização agora? O WardDesk fecha e abre de novo; nada do que você salvou se perde.</translation>
    </message>
</context>
<context>
    <name>UpdateOps</name>
    <message>
        <source>The update could not be installed; WardDesk keeps running this version.</source>
        <translation>Não foi possível instalar a atualização; o WardDesk continua nesta versão.</translation>
    </message>
</context>
<context>
    <name>DocumentViewer</name>
    <message>
        <location filename="../../desktop/ui/documents/viewer.py" line="1"/>
        <source>Previous page</source>
        <translation>Página anterior</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/viewer.py" line="1"/>
        <source>Next page</source>
        <translation>Próxima página</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/viewer.py" line="1"/>
        <source>Zoom out</source>
        <translation>Diminuir zoom</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/viewer.py" line="1"/>
        <source>Zoom in</source>
        <translation>Aumentar zoom</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/viewer.py" line="1"/>
        <source>Rotate</source>
        <translation>Girar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/viewer.py" line="1"/>
        <source>Print…</source>
        <translation>Imprimir…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/viewer.py" line="1"/>
        <source>Entered in error: %1</source>
        <translation>Registrado por engano: %1</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/viewer.py" line="1"/>
        <source>Page %1 of %2</source>
        <translation>Página %1 de %2</translation>
    </message>
</context>
<context>
    <name>Admin</name>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>&amp;Discard…</source>
        <translation>&amp;Descartar…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>&amp;Reason:</source>
        <translation>&amp;Motivo:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>&amp;Refresh</source>
        <translation>&amp;Atualizar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>&amp;Try again</source>
        <translation>&amp;Tentar de novo</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>&amp;Workstations ({n})</source>
        <translation>&amp;Estações ({n})</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>(unknown)</source>
        <translation>(desconhecido)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Ask the server again (F5)</source>
        <translation>Perguntar de novo ao servidor (F5)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Asking the server…</source>
        <translation>Consultando o servidor…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Attempts</source>
        <translation>Tentativas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Attempts: {n}</source>
        <translation>Tentativas: {n}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Choose a dead letter to see what it carried.</source>
        <translation>Escolha uma mensagem morta para ver o que ela levava.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Conflicts</source>
        <translation>Conflitos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Consumer</source>
        <translation>Consumidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Consumer: {consumer}</source>
        <translation>Consumidor: {consumer}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Dead &amp;letters ({n})</source>
        <translation>Mensagens &amp;mortas ({n})</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Dead letter details</source>
        <translation>Detalhes da mensagem morta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Dead letters</source>
        <translation>Mensagens mortas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Deliver it to its consumer again (once the cause is fixed)</source>
        <translation>Entregá-la de novo ao consumidor (depois de corrigida a causa)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Deliver the {event} message to {consumer} again? Do it once its cause is fixed; a message it already handled is not handled twice.</source>
        <translation>Entregar de novo a mensagem {event} a {consumer}? Faça isso depois de corrigida a causa; uma mensagem já tratada não é tratada duas vezes.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Discard</source>
        <translation>Descartar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Discard dead letter</source>
        <translation>Descartar mensagem morta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Discard the {event} message for {consumer}? It will not be delivered again.</source>
        <translation>Descartar a mensagem {event} de {consumer}? Ela não será entregue de novo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Discarded.</source>
        <translation>Descartada.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Due since</source>
        <translation>Atrasada desde</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Error</source>
        <translation>Erro</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Error: {error}</source>
        <translation>Erro: {error}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Event</source>
        <translation>Evento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Event: {event}</source>
        <translation>Evento: {event}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>First failure</source>
        <translation>Primeira falha</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>First failure: {time}</source>
        <translation>Primeira falha: {time}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>It had been discarded already.</source>
        <translation>Ela já tinha sido descartada.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>It had been replayed already; nothing was sent twice.</source>
        <translation>Ela já tinha sido reenviada; nada foi enviado duas vezes.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Kind</source>
        <translation>Tipo</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Last error</source>
        <translation>Último erro</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Last failure</source>
        <translation>Última falha</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Last failure: {time}</source>
        <translation>Última falha: {time}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Last sync</source>
        <translation>Última sincronização</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Loading…</source>
        <translation>Carregando…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Message: {id}</source>
        <translation>Mensagem: {id}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Needs the server</source>
        <translation>Precisa do servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Queued</source>
        <translation>Na fila</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Re&amp;play</source>
        <translation>Reen&amp;viar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Reason for discarding</source>
        <translation>Motivo do descarte</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Record: {kind} {id}</source>
        <translation>Registro: {kind} {id}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Refused</source>
        <translation>Recusadas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Replay</source>
        <translation>Reenviar</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Replay dead letter</source>
        <translation>Reenviar mensagem morta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Replayed: the message goes to {consumer} again.</source>
        <translation>Reenviada: a mensagem vai de novo para {consumer}.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Saga</source>
        <translation>Saga</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Set it aside for good, saying why</source>
        <translation>Deixá-la de lado de vez, dizendo por quê</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Status</source>
        <translation>Situação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Step</source>
        <translation>Etapa</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Stuck &amp;sagas ({n})</source>
        <translation>&amp;Sagas paradas ({n})</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Stuck sagas</source>
        <translation>Sagas paradas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Summary</source>
        <translation>Resumo</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Sync health</source>
        <translation>Saúde da sincronização</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Sync health needs the server, and it cannot be reached now. This screen shows what the server knows; it comes back as soon as the connection does.</source>
        <translation>A saúde da sincronização precisa do servidor, que não pode ser alcançado agora. Esta tela mostra o que o servidor sabe; ela volta assim que a conexão voltar.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>The server is busy or part of it is down; try again in a moment.</source>
        <translation>O servidor está ocupado ou parte dele está fora do ar; tente de novo em instantes.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>The server refused: {message}</source>
        <translation>O servidor recusou: {message}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>The server sent an answer this desktop cannot read; tell IT.</source>
        <translation>O servidor enviou uma resposta que este computador não consegue ler; avise a TI.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Updated {time}.</source>
        <translation>Atualizado em {time}.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>User</source>
        <translation>Usuário</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Version</source>
        <translation>Versão</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>What it carried (names and addresses hidden):</source>
        <translation>O que ela levava (nomes e endereços ocultos):</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Why (kept in the audit log)</source>
        <translation>Por quê (fica no registro de auditoria)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Workstation</source>
        <translation>Estação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Workstations</source>
        <translation>Estações</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>Your session has ended; sign in again.</source>
        <translation>Sua sessão terminou; entre de novo.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>never</source>
        <translation>nunca</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>unknown</source>
        <translation>desconhecido</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>{desks} workstations, {stale} stale · outbox: {backlog} waiting, oldest {age} s · {dead} dead letters</source>
        <translation>{desks} estações, {stale} sem sincronizar há um dia · outbox: {backlog} aguardando, a mais antiga há {age} s · {dead} mensagens mortas</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/admin/screen.py" line="1"/>
        <source>{text} (stale)</source>
        <translation>{text} (sem sincronizar há um dia)</translation>
    </message>
</context>
<context>
    <name>Patient</name>
    <message>
        <source>&amp;Add note…</source>
        <translation>&amp;Adicionar nota…</translation>
    </message>
    <message>
        <source>&amp;Amended text:</source>
        <translation>&amp;Texto corrigido:</translation>
    </message>
    <message>
        <source>&amp;Amount (R$):</source>
        <translation>&amp;Valor (R$):</translation>
    </message>
    <message>
        <source>&amp;Authorisation number:</source>
        <translation>Nº de a&amp;utorização:</translation>
    </message>
    <message>
        <source>&amp;Date:</source>
        <translation>&amp;Data:</translation>
    </message>
    <message>
        <source>&amp;Day:</source>
        <translation>&amp;Dia:</translation>
    </message>
    <message>
        <source>&amp;Documents</source>
        <translation>&amp;Documentos</translation>
    </message>
    <message>
        <source>&amp;Find:</source>
        <translation>&amp;Procurar:</translation>
    </message>
    <message>
        <source>&amp;History</source>
        <translation>&amp;Histórico</translation>
    </message>
    <message>
        <source>&amp;Method:</source>
        <translation>&amp;Forma de pagamento:</translation>
    </message>
    <message>
        <source>&amp;Note:</source>
        <translation>&amp;Nota:</translation>
    </message>
    <message>
        <source>&amp;Payments</source>
        <translation>&amp;Pagamentos</translation>
    </message>
    <message>
        <source>&amp;Reason:</source>
        <translation>&amp;Motivo:</translation>
    </message>
    <message>
        <source>&amp;Refund…</source>
        <translation>&amp;Estornar…</translation>
    </message>
    <message>
        <source>&amp;Save receipt…</source>
        <translation>&amp;Salvar recibo…</translation>
    </message>
    <message>
        <source>&amp;Show:</source>
        <translation>&amp;Mostrar:</translation>
    </message>
    <message>
        <source>&amp;Take payment…</source>
        <translation>&amp;Receber pagamento…</translation>
    </message>
    <message>
        <source>A health-plan payment needs the plan's authorisation number.</source>
        <translation>Um pagamento por convênio precisa do número de autorização do plano.</translation>
    </message>
    <message>
        <source>A note has at most {count} characters.</source>
        <translation>Uma nota tem no máximo {count} caracteres.</translation>
    </message>
    <message>
        <source>A note is never changed once saved: to correct it, amend it.</source>
        <translation>Uma nota salva nunca é alterada: para corrigi-la, faça uma retificação.</translation>
    </message>
    <message>
        <source>A&amp;mend note…</source>
        <translation>Reti&amp;ficar nota…</translation>
    </message>
    <message>
        <source>About this report</source>
        <translation>Sobre este relatório</translation>
    </message>
    <message>
        <source>Add a note</source>
        <translation>Adicionar uma nota</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>Adicionado</translation>
    </message>
    <message>
        <source>All desks</source>
        <translation>Todos os guichês</translation>
    </message>
    <message>
        <source>Amend a note</source>
        <translation>Retificar uma nota</translation>
    </message>
    <message>
        <source>Amend the selected note</source>
        <translation>Retificar a nota selecionada</translation>
    </message>
    <message>
        <source>Amended text</source>
        <translation>Texto corrigido</translation>
    </message>
    <message>
        <source>Amendment of a note</source>
        <translation>Retificação de nota</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Valor</translation>
    </message>
    <message>
        <source>Amount paid</source>
        <translation>Valor pago</translation>
    </message>
    <message>
        <source>Amount to refund</source>
        <translation>Valor a estornar</translation>
    </message>
    <message>
        <source>An amount has at most two decimal places (cents).</source>
        <translation>Um valor tem no máximo duas casas decimais (centavos).</translation>
    </message>
    <message>
        <source>Appointment</source>
        <translation>Consulta</translation>
    </message>
    <message>
        <source>Appointments</source>
        <translation>Consultas</translation>
    </message>
    <message>
        <source>As written:</source>
        <translation>Como foi escrita:</translation>
    </message>
    <message>
        <source>At most {left} can be refunded.</source>
        <translation>No máximo {left} pode ser estornado.</translation>
    </message>
    <message>
        <source>By {name}</source>
        <translation>Por {name}</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Arquivos CSV (*.csv)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>Cartão</translation>
    </message>
    <message>
        <source>Cash</source>
        <translation>Dinheiro</translation>
    </message>
    <message>
        <source>Cash report of {day} · {desk}</source>
        <translation>Relatório de caixa de {day} · {desk}</translation>
    </message>
    <message>
        <source>D&amp;esk:</source>
        <translation>&amp;Guichê:</translation>
    </message>
    <message>
        <source>Date the note is about</source>
        <translation>Data a que a nota se refere</translation>
    </message>
    <message>
        <source>Day of the report</source>
        <translation>Dia do relatório</translation>
    </message>
    <message>
        <source>Desk</source>
        <translation>Guichê</translation>
    </message>
    <message>
        <source>Doctor or entry</source>
        <translation>Médico ou lançamento</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Documento</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>Documentos</translation>
    </message>
    <message>
        <source>Everything</source>
        <translation>Tudo</translation>
    </message>
    <message>
        <source>Fee</source>
        <translation>Preço</translation>
    </message>
    <message>
        <source>Fee: {fee}</source>
        <translation>Preço da consulta: {fee}</translation>
    </message>
    <message>
        <source>Fetching the receipt from the server…</source>
        <translation>Buscando o recibo no servidor…</translation>
    </message>
    <message>
        <source>Fetching the report from the server…</source>
        <translation>Buscando o relatório no servidor…</translation>
    </message>
    <message>
        <source>Find a patient</source>
        <translation>Procurar um paciente</translation>
    </message>
    <message>
        <source>Find a patient by name or MRN, or open one from the calendar or a ticket.</source>
        <translation>Procure um paciente pelo nome ou prontuário, ou abra-o pela agenda ou por um pedido.</translation>
    </message>
    <message>
        <source>From the payments this computer has received from the server.</source>
        <translation>A partir dos pagamentos que este computador recebeu do servidor.</translation>
    </message>
    <message>
        <source>Health plan</source>
        <translation>Convênio</translation>
    </message>
    <message>
        <source>Health plan authorisation number</source>
        <translation>Número de autorização do convênio</translation>
    </message>
    <message>
        <source>History timeline, newest first</source>
        <translation>Histórico, mais recentes primeiro</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Tipo</translation>
    </message>
    <message>
        <source>MRN {mrn}</source>
        <translation>Prontuário {mrn}</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Mensagem</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Forma de pagamento</translation>
    </message>
    <message>
        <source>Name or MRN</source>
        <translation>Nome ou prontuário</translation>
    </message>
    <message>
        <source>Net</source>
        <translation>Líquido</translation>
    </message>
    <message>
        <source>New note · {name}</source>
        <translation>Nova nota · {name}</translation>
    </message>
    <message>
        <source>No documents on this computer</source>
        <translation>Nenhum documento neste computador</translation>
    </message>
    <message>
        <source>No payments or refunds on this day.</source>
        <translation>Nenhum pagamento ou estorno neste dia.</translation>
    </message>
    <message>
        <source>No visits on this computer</source>
        <translation>Nenhuma consulta neste computador</translation>
    </message>
    <message>
        <source>Not saved: {reason}</source>
        <translation>Não salvo: {reason}</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Nota</translation>
    </message>
    <message>
        <source>Note of {date}</source>
        <translation>Nota de {date}</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notas</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>Arquivos PDF (*.pdf)</translation>
    </message>
    <message>
        <source>PIX</source>
        <translation>PIX</translation>
    </message>
    <message>
        <source>Paid {paid} by {method}; {left} can be refunded.</source>
        <translation>Pago {paid} em {method}; {left} pode ser estornado.</translation>
    </message>
    <message>
        <source>Patient details</source>
        <translation>Dados do paciente</translation>
    </message>
    <message>
        <source>Patient name</source>
        <translation>Nome do paciente</translation>
    </message>
    <message>
        <source>Patient not on this computer</source>
        <translation>Paciente não está neste computador</translation>
    </message>
    <message>
        <source>Patient sections</source>
        <translation>Seções do paciente</translation>
    </message>
    <message>
        <source>Patients found</source>
        <translation>Pacientes encontrados</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>Pagamento</translation>
    </message>
    <message>
        <source>Payment method</source>
        <translation>Forma de pagamento</translation>
    </message>
    <message>
        <source>Payments</source>
        <translation>Pagamentos</translation>
    </message>
    <message>
        <source>Print rec&amp;eipt…</source>
        <translation>&amp;Imprimir recibo…</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>Problema</translation>
    </message>
    <message>
        <source>Reason for the amendment</source>
        <translation>Motivo da retificação</translation>
    </message>
    <message>
        <source>Reason for the amendment: {reason}</source>
        <translation>Motivo da retificação: {reason}</translation>
    </message>
    <message>
        <source>Reason for the refund</source>
        <translation>Motivo do estorno</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>Recibo</translation>
    </message>
    <message>
        <source>Receipt saved to {path}.</source>
        <translation>Recibo salvo em {path}.</translation>
    </message>
    <message>
        <source>Record payment</source>
        <translation>Registrar pagamento</translation>
    </message>
    <message>
        <source>Refill ticket</source>
        <translation>Pedido de reposição</translation>
    </message>
    <message>
        <source>Refill tickets</source>
        <translation>Pedidos de reposição</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Estorno</translation>
    </message>
    <message>
        <source>Refund a payment</source>
        <translation>Estornar um pagamento</translation>
    </message>
    <message>
        <source>Refund the selected payment</source>
        <translation>Estornar o pagamento selecionado</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>Estornado</translation>
    </message>
    <message>
        <source>Refunds</source>
        <translation>Estornos</translation>
    </message>
    <message>
        <source>Report saved to {path}.</source>
        <translation>Relatório salvo em {path}.</translation>
    </message>
    <message>
        <source>Save &amp;CSV…</source>
        <translation>Salvar &amp;CSV…</translation>
    </message>
    <message>
        <source>Save &amp;PDF…</source>
        <translation>Salvar &amp;PDF…</translation>
    </message>
    <message>
        <source>Save amendment</source>
        <translation>Salvar retificação</translation>
    </message>
    <message>
        <source>Save note</source>
        <translation>Salvar nota</translation>
    </message>
    <message>
        <source>Save the cash report</source>
        <translation>Salvar o relatório de caixa</translation>
    </message>
    <message>
        <source>Save the receipt</source>
        <translation>Salvar o recibo</translation>
    </message>
    <message>
        <source>Save the report as CSV</source>
        <translation>Salvar o relatório em CSV</translation>
    </message>
    <message>
        <source>Save the report as PDF</source>
        <translation>Salvar o relatório em PDF</translation>
    </message>
    <message>
        <source>Save the selected payment's receipt as PDF</source>
        <translation>Salvar em PDF o recibo do pagamento selecionado</translation>
    </message>
    <message>
        <source>Say which desk gives the refund.</source>
        <translation>Informe o guichê que faz o estorno.</translation>
    </message>
    <message>
        <source>Say which desk took the payment.</source>
        <translation>Informe o guichê que recebeu o pagamento.</translation>
    </message>
    <message>
        <source>Say why the money is given back (at least 3 characters).</source>
        <translation>Informe por que o dinheiro é devolvido (pelo menos 3 caracteres).</translation>
    </message>
    <message>
        <source>Say why the note is amended (at least 3 characters).</source>
        <translation>Informe por que a nota é retificada (pelo menos 3 caracteres).</translation>
    </message>
    <message>
        <source>Show and print the selected payment's receipt</source>
        <translation>Mostrar e imprimir o recibo do pagamento selecionado</translation>
    </message>
    <message>
        <source>Show in the timeline</source>
        <translation>Mostrar no histórico</translation>
    </message>
    <message>
        <source>Sign in again to fetch it from the server.</source>
        <translation>Entre novamente para buscá-lo no servidor.</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Situação</translation>
    </message>
    <message>
        <source>Take a payment</source>
        <translation>Receber um pagamento</translation>
    </message>
    <message>
        <source>Take a payment for the selected visit</source>
        <translation>Receber o pagamento da consulta selecionada</translation>
    </message>
    <message>
        <source>Taken</source>
        <translation>Recebido</translation>
    </message>
    <message>
        <source>Takings per payment method</source>
        <translation>Recebimentos por forma de pagamento</translation>
    </message>
    <message>
        <source>The amount is larger than any consultation fee: check it.</source>
        <translation>O valor é maior que o de qualquer consulta: confira-o.</translation>
    </message>
    <message>
        <source>The amount must be a number, such as 150{point}00.</source>
        <translation>O valor deve ser um número, como 150{point}00.</translation>
    </message>
    <message>
        <source>The amount must be more than zero.</source>
        <translation>O valor deve ser maior que zero.</translation>
    </message>
    <message>
        <source>The file could not be saved: {reason}</source>
        <translation>Não foi possível salvar o arquivo: {reason}</translation>
    </message>
    <message>
        <source>The note as written</source>
        <translation>A nota como foi escrita</translation>
    </message>
    <message>
        <source>The server cannot be reached: receipts and reports come from the server. Try again later.</source>
        <translation>O servidor não está acessível: recibos e relatórios vêm do servidor. Tente de novo mais tarde.</translation>
    </message>
    <message>
        <source>The server refused: {reason}</source>
        <translation>O servidor recusou: {reason}</translation>
    </message>
    <message>
        <source>The server's answer was not the file asked for. Try again, or call IT if it persists.</source>
        <translation>A resposta do servidor não foi o arquivo pedido. Tente de novo ou chame a TI se persistir.</translation>
    </message>
    <message>
        <source>This patient is not in this computer's copy of the records.</source>
        <translation>Este paciente não está na cópia dos registros deste computador.</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Título</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>Type the amount paid.</source>
        <translation>Digite o valor pago.</translation>
    </message>
    <message>
        <source>Type the amount without thousands separators, with {point} before the cents: 12345{point}00, not 12,345.</source>
        <translation>Digite o valor sem separador de milhar, com {point} antes dos centavos: 12345{point}00, não 12.345.</translation>
    </message>
    <message>
        <source>Visit:</source>
        <translation>Consulta:</translation>
    </message>
    <message>
        <source>Visits and payments</source>
        <translation>Consultas e pagamentos</translation>
    </message>
    <message>
        <source>What you observed, decided or advised</source>
        <translation>O que você observou, decidiu ou orientou</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Quando</translation>
    </message>
    <message>
        <source>Write the amended text.</source>
        <translation>Escreva o texto corrigido.</translation>
    </message>
    <message>
        <source>Write the note first.</source>
        <translation>Escreva a nota primeiro.</translation>
    </message>
    <message>
        <source>all desks</source>
        <translation>todos os guichês</translation>
    </message>
    <message>
        <source>born {date}</source>
        <translation>nasc. {date}</translation>
    </message>
    <message>
        <source>not paid</source>
        <translation>não paga</translation>
    </message>
    <message>
        <source>paid</source>
        <translation>paga</translation>
    </message>
    <message>
        <source>recorded at {desk}</source>
        <translation>registrado no guichê {desk}</translation>
    </message>
    <message>
        <source>refunded {amount}</source>
        <translation>estornado {amount}</translation>
    </message>
    <message>
        <source>refused by the server: {reason}</source>
        <translation>recusado pelo servidor: {reason}</translation>
    </message>
    <message>
        <source>sent, waiting for the server</source>
        <translation>enviado, aguardando o servidor</translation>
    </message>
    <message>
        <source>sent, waiting for the server's history</source>
        <translation>enviado, aguardando o histórico do servidor</translation>
    </message>
    <message>
        <source>waiting to sync</source>
        <translation>aguardando sincronização</translation>
    </message>
    <message>
        <source>{when} with {doctor}</source>
        <translation>{when} com {doctor}</translation>
    </message>
    <message numerus="yes">
        <source>%n payments taken on this computer wait to sync and are not counted yet.</source>
        <translation>
            <numerusform>%n pagamento recebido neste computador aguarda sincronização e ainda não foi contado.</numerusform>
            <numerusform>%n pagamentos recebidos neste computador aguardam sincronização e ainda não foram contados.</numerusform>
        </translation>
    </message>
    <message>
        <source>refund due: the visit was cancelled</source>
        <translation>estorno devido: a consulta foi cancelada</translation>
    </message>
    <message>
        <source>fee {amount}</source>
        <translation>preço {amount}</translation>
    </message>
    <message>
        <source>Appointment cancelled</source>
        <translation>Consulta cancelada</translation>
    </message>
    <message>
        <source>Appointment confirmed</source>
        <translation>Consulta confirmada</translation>
    </message>
    <message>
        <source>Appointment moved</source>
        <translation>Consulta remarcada</translation>
    </message>
    <message>
        <source>Appointment request refused</source>
        <translation>Pedido de consulta recusado</translation>
    </message>
    <message>
        <source>Appointment requested</source>
        <translation>Consulta solicitada</translation>
    </message>
    <message>
        <source>Attended the appointment</source>
        <translation>Compareceu à consulta</translation>
    </message>
    <message>
        <source>Consultation paid</source>
        <translation>Consulta paga</translation>
    </message>
    <message>
        <source>Doctor's note</source>
        <translation>Nota médica</translation>
    </message>
    <message>
        <source>Doctor's note amended</source>
        <translation>Nota médica retificada</translation>
    </message>
    <message>
        <source>Document added</source>
        <translation>Documento adicionado</translation>
    </message>
    <message>
        <source>Document entered in error</source>
        <translation>Documento marcado como lançado por engano</translation>
    </message>
    <message>
        <source>Missed the appointment</source>
        <translation>Faltou à consulta</translation>
    </message>
    <message>
        <source>Paid at the desk</source>
        <translation>Pago no guichê</translation>
    </message>
    <message>
        <source>Payment refunded</source>
        <translation>Pagamento estornado</translation>
    </message>
    <message>
        <source>Refill ticket approved</source>
        <translation>Pedido de reposição aprovado</translation>
    </message>
    <message>
        <source>Refill ticket cancelled</source>
        <translation>Pedido de reposição cancelado</translation>
    </message>
    <message>
        <source>Refill ticket closed</source>
        <translation>Pedido de reposição encerrado</translation>
    </message>
    <message>
        <source>Refill ticket dispatched</source>
        <translation>Pedido de reposição enviado</translation>
    </message>
    <message>
        <source>Refill ticket edited</source>
        <translation>Pedido de reposição editado</translation>
    </message>
    <message>
        <source>Refill ticket in preparation</source>
        <translation>Pedido de reposição em preparo</translation>
    </message>
    <message>
        <source>Refill ticket partly dispatched</source>
        <translation>Pedido de reposição enviado em parte</translation>
    </message>
    <message>
        <source>Refill ticket received on the ward</source>
        <translation>Pedido de reposição recebido na ala</translation>
    </message>
    <message>
        <source>Refill ticket rejected</source>
        <translation>Pedido de reposição recusado</translation>
    </message>
    <message>
        <source>Refill ticket submitted</source>
        <translation>Pedido de reposição enviado à farmácia</translation>
    </message>
    <message>
        <source>Refunded at the desk</source>
        <translation>Estornado no guichê</translation>
    </message>
</context>
<context>
    <name>PatientDocumentsPanel</name>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Added</source>
        <translation>Adicionado</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Attach a file…</source>
        <translation>Anexar um arquivo…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Attach as:</source>
        <translation>Anexar como:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Attach lab reports or exam results</source>
        <translation>Anexar laudos de laboratório ou resultados de exames</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Available</source>
        <translation>Disponível</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Documents</source>
        <translation>Documentos</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Documents (*.pdf *.png *.jpg *.jpeg)</source>
        <translation>Documentos (*.pdf *.png *.jpg *.jpeg)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Drop a PDF, PNG or JPEG file here to attach it (at most {size}).</source>
        <translation>Solte aqui um arquivo PDF, PNG ou JPEG para anexá-lo (no máximo {size}).</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Entered in error</source>
        <translation>Registrado por engano</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Exam result</source>
        <translation>Resultado de exame</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Kind</source>
        <translation>Tipo</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Lab report</source>
        <translation>Laudo de laboratório</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Lab reports and exam results</source>
        <translation>Laudos de laboratório e resultados de exames</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>No documents</source>
        <translation>Nenhum documento</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>No documents attached to this appointment</source>
        <translation>Nenhum documento anexado a esta consulta</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>No documents yet: drop a file here to attach one</source>
        <translation>Ainda sem documentos: solte um arquivo aqui para anexá-lo</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Open</source>
        <translation>Abrir</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Refused by the server</source>
        <translation>Recusado pelo servidor</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Something went wrong: {reason}</source>
        <translation>Algo deu errado: {reason}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Status</source>
        <translation>Situação</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>The file could not be read: {reason}</source>
        <translation>Não foi possível ler o arquivo: {reason}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>The server cannot be reached and this computer has no copy of this document.</source>
        <translation>Não é possível falar com o servidor e este computador não tem cópia deste documento.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>The server refused this file: {reason}</source>
        <translation>O servidor recusou este arquivo: {reason}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>The server refused to open this document.</source>
        <translation>O servidor recusou abrir este documento.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>This document has not reached the server yet; it opens once it has been sent.</source>
        <translation>Este documento ainda não chegou ao servidor; ele abre assim que for enviado.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>This document is no longer available to you.</source>
        <translation>Este documento não está mais disponível para você.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Title</source>
        <translation>Título</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Waiting to be sent</source>
        <translation>Aguardando envio</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>“{name}” is empty.</source>
        <translation>“{name}” está vazio.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>“{name}” is larger than {size}, the limit for one document.</source>
        <translation>“{name}” é maior que {size}, o limite para um documento.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>“{name}” is not a PDF, PNG or JPEG file (by its content, whatever its name says).</source>
        <translation>“{name}” não é um arquivo PDF, PNG ou JPEG (pelo conteúdo, diga o nome o que disser).</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>“{title}” is attached; it will be sent to the server (also later, if offline now).</source>
        <translation>“{title}” foi anexado; será enviado ao servidor (também mais tarde, se agora estiver sem conexão).</translation>
    </message>
</context>
<context>
    <name>DocumentWindow</name>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>Opened from this computer's copy: the server cannot be reached.</source>
        <translation>Aberto da cópia deste computador: não é possível falar com o servidor.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/documents/panel.py" line="1"/>
        <source>no reason given</source>
        <translation>nenhum motivo informado</translation>
    </message>
</context>
</TS>
